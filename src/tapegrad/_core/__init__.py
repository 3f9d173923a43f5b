"""The engine: tensors, the dispatch path, tapes, reverse and forward sweeps.

It knows nothing about specific ops; ``tapegrad.ops`` defines them.
"""
