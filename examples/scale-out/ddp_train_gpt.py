"""Continue training a tessera GPT in PyTorch with DistributedDataParallel (next-character LM).

    torchrun --nproc_per_node=2 examples/scale-out/ddp_train_gpt.py --export DIR --text FILE --steps 50

DIR is a folder written by `tessera export pytorch CHECKPOINT` from a GPT checkpoint (model.py,
model.safetensors, tokenizer.json); FILE a text (characters the tokenizer lacks are skipped). As in
`tessera pretrain gpt`, the last 10 % is held out for validation and each step trains on random
windows of context + 1 characters (each rank draws its own, from its own seeded stream); AdamW,
gradients averaged by DDP. Gloo runs on CPUs; on GPUs pass --backend nccl (each rank then uses
cuda:LOCAL_RANK). Rank 0 writes DIR/trained.safetensors (for `tessera import pytorch --weights`)
and prints one JSON line: validation loss before and after, the training losses, processes.
"""
import argparse
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

parser = argparse.ArgumentParser()
parser.add_argument("--export", required=True)
parser.add_argument("--text", required=True)
parser.add_argument("--steps", type=int, default=50)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--eval-windows", type=int, default=32)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--backend", default="gloo")
args = parser.parse_args()

sys.path.insert(0, args.export)
from model import GPT, load_file, save_file  # noqa: E402  (the exported module)

dist.init_process_group(args.backend)
rank, world = dist.get_rank(), dist.get_world_size()
device = torch.device(f"cuda:{os.environ.get('LOCAL_RANK', 0)}") if args.backend == "nccl" else torch.device("cpu")

with open(os.path.join(args.export, "tokenizer.json"), encoding="utf8") as f:
    ids_of = {ch: i for i, ch in enumerate(json.load(f)["vocab"])}
with open(args.text, encoding="utf8") as f:
    tokens = torch.tensor([ids_of[ch] for ch in f.read() if ch in ids_of], dtype=torch.long)
cut = len(tokens) - int(len(tokens) * 0.1 + 0.5)  # tessera's splitTokens: the last 10 % for validation
train, val = tokens[:cut], tokens[cut:]

model = GPT()
model.load_state_dict(load_file(os.path.join(args.export, "model.safetensors")))
model.to(device)
span = model.context + 1


def val_loss():
    """Mean next-character loss over the first eval-windows sequential validation windows (as tessera's evaluateGpt)."""
    model.eval()
    c = model.context
    n = min(args.eval_windows, (len(val) - 1) // c)
    windows = torch.stack([val[i * c:i * c + span] for i in range(n)]).to(device)
    with torch.no_grad():
        logits = model(windows[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1)).item()


before = val_loss()
ddp = DistributedDataParallel(model)
optimizer = torch.optim.AdamW(ddp.parameters(), lr=args.lr, weight_decay=0.0)
stream = torch.Generator().manual_seed(args.seed * 1000 + rank)
losses = []
model.train()
for step in range(args.steps):
    starts = torch.randint(0, len(train) - span, (args.batch_size,), generator=stream)
    batch = torch.stack([train[s:s + span] for s in starts.tolist()]).to(device)
    logits = ddp(batch[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(ddp.parameters(), 1.0)
    optimizer.step()
    mean = loss.detach().clone()
    dist.all_reduce(mean)
    losses.append(mean.item() / world)
    if rank == 0 and (step + 1) % 10 == 0:
        print(f"step {step + 1}/{args.steps}: loss {losses[-1]:.4f} ({world} processes)", file=sys.stderr)

if rank == 0:
    after = val_loss()
    save_file({k: v.cpu() for k, v in model.state_dict().items()}, os.path.join(args.export, "trained.safetensors"))
    print(json.dumps({"valLossBefore": before, "valLossAfter": after, "losses": losses, "processes": world}))
dist.barrier()
dist.destroy_process_group()
