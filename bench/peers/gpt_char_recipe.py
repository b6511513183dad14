"""The `tessera pretrain gpt` recipe in PyTorch, for the issue's "within 0.05 nats of PyTorch" check.

Same corpus text (dumped by tessera itself, so the join of Moby Dick's sections is identical), same
char tokenizer (code points in sorted order), same split (the last round(10 %) of the tokens is
validation), same model (token + position embeddings N(0, 0.02), pre-LN TransformerEncoderLayer
blocks with GELU and a 4·width MLP, causal, final LayerNorm, head tied to the token embedding),
same optimizer (AdamW lr 1e-3, weight decay 0.1 on rank ≥ 2 parameters only, PyTorch's betas and
eps), same schedule (linear warm-up to min(100, steps/10), cosine to 0.1·lr, stepped per batch as
LambdaLR does), gradient norm clipped at 1, batches of 32 random windows of context+1, and the same
validation: the first 32 non-overlapping windows of the validation tokens. Only the random draws
(initial weights, window starts) differ: torch's generator is not tessera's.

  /usr/bin/python3 bench/peers/gpt_char_recipe.py --steps 938 [--threads 2] [--json]
(run `npm run build` first: the corpus comes from dist/). Prints one JSON object last.
"""
import argparse
import json
import math
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--steps', type=int, default=938)
p.add_argument('--layers', type=int, default=4)
p.add_argument('--heads', type=int, default=4)
p.add_argument('--width', type=int, default=128)
p.add_argument('--context', type=int, default=128)
p.add_argument('--batch-size', type=int, default=32)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--eval-windows', type=int, default=32)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--json', action='store_true')
a = p.parse_args()
torch.manual_seed(a.seed)
torch.set_num_threads(a.threads)

text = subprocess.run(
    ['node', '--input-type=module', '-e',
     "const z = await import('./dist/src/zoo/gpt-train.js'); process.stdout.write(z.corpusText('moby-dick'));"],
    check=True, capture_output=True).stdout.decode('utf-8')
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([index[c] for c in text], dtype=torch.long)
n_val = round(len(ids) * 0.1)
train, val = ids[:len(ids) - n_val], ids[len(ids) - n_val:]
V, T, W = len(chars), a.context, a.width


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(V, W) * 0.02)
        self.wpe = nn.Parameter(torch.randn(T, W) * 0.02)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(W, a.heads, 4 * W, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
            for _ in range(a.layers)])
        self.ln_f = nn.LayerNorm(W)
        self.register_buffer('mask', torch.triu(torch.full((T, T), float('-inf')), 1))

    def forward(self, x):
        t = x.shape[1]
        h = self.wte[x] + self.wpe[:t]
        for block in self.blocks:
            h = block(h, src_mask=self.mask[:t, :t])
        return self.ln_f(h) @ self.wte.t()


model = GPT()
params = sum(p.numel() for p in model.parameters())
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}], lr=a.lr)
warmup = min(100, a.steps // 10)


def factor(t):
    if t < warmup:
        return t / warmup
    progress = min(t - warmup, a.steps - warmup) / max(1, a.steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)


def evaluate():
    n = min(a.eval_windows, (len(val) - 1) // T)
    model.eval()
    with torch.no_grad():
        starts = torch.arange(n) * T
        x = torch.stack([val[s:s + T] for s in starts])
        y = torch.stack([val[s + 1:s + T + 1] for s in starts])
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1)).item()
    model.train()
    return loss


started = time.perf_counter()
evals = []
for step in range(1, a.steps + 1):
    starts = torch.randint(0, len(train) - T, (a.batch_size,))
    x = torch.stack([train[s:s + T] for s in starts])
    y = torch.stack([train[s + 1:s + T + 1] for s in starts])
    loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    if step % 250 == 0 or step == a.steps:
        evals.append({'step': step, 'valLoss': evaluate()})
        if not a.json:
            print(f"step {step}/{a.steps}  train {loss.item():.4f}  val {evals[-1]['valLoss']:.4f}", flush=True)
seconds = time.perf_counter() - started
print(json.dumps({'valLoss': evals[-1]['valLoss'], 'steps': a.steps, 'params': params, 'seconds': seconds,
                  'tokensPerSecond': a.steps * a.batch_size * T / seconds, 'torchThreads': a.threads,
                  'torch': torch.__version__, 'evals': evals}))
