"""Continue training a tessera model in PyTorch with DistributedDataParallel.

    torchrun --nproc_per_node=2 examples/scale-out/ddp_train.py --export DIR --data DATA --epochs 2

DIR is a folder written by `tessera export pytorch` (model.py, model.safetensors); DATA a
safetensors file with x_train [n, 1, 28, 28], y_train [n], x_probe and tessera_probe (tessera's
outputs on x_probe), written by examples/scale-out/run.ts. Gloo runs on CPUs; on GPUs, pass
--backend nccl (each rank then uses cuda:LOCAL_RANK). Rank 0 writes DIR/trained.safetensors (the
state dict, PyTorch names, for `tessera import pytorch`) and DIR/trained_probe.safetensors
(PyTorch's outputs on x_probe after training), and prints one JSON line with the losses.
"""
import argparse
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

parser = argparse.ArgumentParser()
parser.add_argument("--export", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--backend", default="gloo")
args = parser.parse_args()

sys.path.insert(0, args.export)
from model import TesseraModel, load_file, save_file  # noqa: E402  (the exported module)

dist.init_process_group(args.backend)
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
device = torch.device(f"cuda:{os.environ.get('LOCAL_RANK', 0)}") if args.backend == "nccl" else torch.device("cpu")

model = TesseraModel()
model.load_state_dict(load_file(os.path.join(args.export, "model.safetensors")))
model.to(device)
data = load_file(args.data)

# The exported model must compute what tessera computed before any training.
model.eval()
with torch.no_grad():
    export_diff = (model(data["x_probe"].to(device)).cpu() - data["tessera_probe"]).abs().max().item()

class Logits(torch.nn.Module):
    """The exported model up to its final softmax, so DDP's hooks run on what the loss reads."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner.logits(x)


ddp = DistributedDataParallel(Logits(model))
dataset = TensorDataset(data["x_train"], data["y_train"].long())
sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=0)
loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
optimizer = torch.optim.Adam(ddp.parameters(), lr=args.lr)
losses = []
for epoch in range(args.epochs):
    sampler.set_epoch(epoch)
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(ddp(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    mean = torch.tensor([total, count], dtype=torch.float64)
    dist.all_reduce(mean)
    losses.append(mean[0].item() / mean[1].item())
    if rank == 0:
        print(f"epoch {epoch + 1}: loss {losses[-1]:.4f} ({world} processes)", file=sys.stderr)

if rank == 0:
    model.eval()
    with torch.no_grad():
        probe = model(data["x_probe"].to(device)).cpu()
    save_file({k: v.cpu() for k, v in model.state_dict().items()}, os.path.join(args.export, "trained.safetensors"))
    save_file({"probe": probe}, os.path.join(args.export, "trained_probe.safetensors"))
    print(json.dumps({"exportMaxDiff": export_diff, "losses": losses, "processes": world}))
dist.barrier()
dist.destroy_process_group()
