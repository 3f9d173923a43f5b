"""TensorFlow's eager "automatic differentiation and gradient tape" tutorial on tapegrad.

Run: python examples/tutorial.py   (the same code the notebook runs, with
``import tapegrad as tf``; every printed value matches the notebook's).
"""

from tapegrad.tour.tutorial import run_notebook

if __name__ == "__main__":
    run_notebook(print)
