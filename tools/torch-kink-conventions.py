"""Where PyTorch autograd puts the gradient at kinks and ties: the values that
packages/onnx-autodiff/src/kinks.test.ts expects (copied there by hand).

    /tmp/venv/bin/python tools/torch-kink-conventions.py
"""
import torch
import torch.nn.functional as F


def grad(fn, *values):
    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    fn(*xs).sum().backward()
    return [x.grad.tolist() for x in xs]


cases = {
    'relu [0, 1, -1]': grad(F.relu, [0.0, 1.0, -1.0]),
    'leaky_relu(0.1) [0, 1, -1]': grad(lambda x: F.leaky_relu(x, 0.1), [0.0, 1.0, -1.0]),
    'relu6 [0, 6, 3, -1]': grad(F.relu6, [0.0, 6.0, 3.0, -1.0]),
    'hardtanh(-1, 1) [-1, 1, 0, 2]': grad(lambda x: F.hardtanh(x, -1.0, 1.0), [-1.0, 1.0, 0.0, 2.0]),
    'clamp(0, 6) [0, 6, 3, -1]': grad(lambda x: torch.clamp(x, 0.0, 6.0), [0.0, 6.0, 3.0, -1.0]),
    'abs [0, -2, 2]': grad(torch.abs, [0.0, -2.0, 2.0]),
    'elu [0, -1, 1]': grad(F.elu, [0.0, -1.0, 1.0]),
    'hardswish [-3, 3, 0]': grad(F.hardswish, [-3.0, 3.0, 0.0]),
    'hardsigmoid [-3, 3, 0]': grad(F.hardsigmoid, [-3.0, 3.0, 0.0]),
    'maximum a=[1, 2, 3] b=[1, 0, 3]': grad(torch.maximum, [1.0, 2.0, 3.0], [1.0, 0.0, 3.0]),
    'minimum a=[1, 2, 3] b=[1, 0, 3]': grad(torch.minimum, [1.0, 2.0, 3.0], [1.0, 0.0, 3.0]),
    'amax(dim=1) [[1, 3, 3, 2], [5, 5, 5, 0]]': grad(lambda x: x.amax(dim=1), [[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 0.0]]),
    'amin(dim=1) [[1, 3, 1, 2], [0, 4, 4, 0]]': grad(lambda x: x.amin(dim=1), [[1.0, 3.0, 1.0, 2.0], [0.0, 4.0, 4.0, 0.0]]),
    'max_pool2d(2) [[1, 1], [0, 1]]': grad(lambda x: F.max_pool2d(x, 2), [[[[1.0, 1.0], [0.0, 1.0]]]]),
    'adaptive_max_pool2d(1) [[2, 0], [2, 1]]': grad(lambda x: F.adaptive_max_pool2d(x, 1), [[[[2.0, 0.0], [2.0, 1.0]]]]),
    'norm(dim=1) [[0, 0], [3, 4]]': grad(lambda x: torch.linalg.vector_norm(x, dim=1), [[0.0, 0.0], [3.0, 4.0]]),
    'where([T, F]) x=[1, 2] y=[1, 2]': grad(lambda x, y: torch.where(torch.tensor([True, False]), x, y), [1.0, 2.0], [1.0, 2.0]),
}
for name, value in cases.items():
    print(f'{name}: {value}')
