"""porter: port PaddlePaddle model code and weights to PyTorch, and prove the port numerically."""

__version__ = "0.1.0"
