"""The seed tutorial, TensorFlow's "Automatic differentiation and gradient tape".

``NOTEBOOK_CELLS`` is the notebook's code, unchanged but for the import line,
cell by cell; ``run_notebook`` executes it against tapegrad and returns the
namespace, so the tests can check every value the notebook prints.
"""

from __future__ import annotations

from collections.abc import Callable

IMPORT = "import tapegrad as tf\n\ntf.enable_eager_execution()\n"

NOTEBOOK_CELLS = [
    (
        "Gradient tapes",
        """
x = tf.ones((2, 2))

with tf.GradientTape() as t:
  t.watch(x)
  y = tf.reduce_sum(x)
  z = tf.multiply(y, y)

# Derivative of z with respect to the original input tensor x
dz_dx = t.gradient(z, x)
""",
        ["x", "y", "z", "dz_dx"],
    ),
    (
        "Gradient with respect to an intermediate value",
        """
x = tf.ones((2, 2))

with tf.GradientTape() as t:
  t.watch(x)
  y = tf.reduce_sum(x)
  z = tf.multiply(y, y)

# Use the tape to compute the derivative of z with respect to the
# intermediate value y.
dz_dy = t.gradient(z, y)
""",
        ["dz_dy"],
    ),
    (
        "Persistent tapes",
        """
x = tf.constant(3.0)
with tf.GradientTape(persistent=True) as t:
  t.watch(x)
  y = x * x
  z = y * y
dz_dx = t.gradient(z, x)  # 108.0 (4*x^3 at x = 3)
print(dz_dx)
dy_dx = t.gradient(y, x)  # 6.0
print(dy_dx)
del t  # Drop the reference to the tape
""",
        [],
    ),
    (
        "Recording control flow",
        """
def f(x, y):
  output = 1.0
  for i in range(y):
    if i > 1 and i < 5:
      output = tf.multiply(output, x)
  return output

def grad(x, y):
  with tf.GradientTape() as t:
    t.watch(x)
    out = f(x, y)
  return t.gradient(out, x)

x = tf.convert_to_tensor(2.0)
""",
        ["grad(x, 6).numpy()", "grad(x, 7).numpy()", "grad(x, 5).numpy()", "grad(x, 4).numpy()",
         "f(x, 6)", "f(x, 5)", "f(x, 4)"],
    ),
    (
        "Higher-order gradients",
        """
x = tf.Variable(1.0)  # Create a Tensorflow variable initialized to 1.0

with tf.GradientTape() as t:
  with tf.GradientTape() as t2:
    y = x * x * x
  # Compute the gradient inside the 't' context manager
  # which means the gradient computation is differentiable as well.
  dy_dx = t2.gradient(y, x)
d2y_dx2 = t.gradient(dy_dx, x)
""",
        ["dy_dx", "d2y_dx2"],
    ),
]


def run_notebook(show: Callable[[str], None] = lambda text: None) -> dict:
    """Run every cell in one namespace; ``show`` receives what the notebook displays."""
    namespace: dict = {}
    exec(compile(IMPORT, "<tutorial>", "exec"), namespace)
    for title, code, displayed in NOTEBOOK_CELLS:
        show(f"\n## {title}\n{code.strip()}\n")
        exec(compile(code, f"<tutorial: {title}>", "exec"), namespace)
        for expression in displayed:
            show(f">>> {expression}\n{eval(expression, namespace)!r}")
    return namespace


if __name__ == "__main__":
    run_notebook(print)
