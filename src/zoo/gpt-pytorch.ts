/**
 * The GPT's PyTorch form (registered with the PyTorch hand-off, keras/pytorch/convert.ts): a
 * readable model.py — a `GPT` nn.Module of `Block`s — whose state dict has tessera's names and
 * layouts already, since tessera's GPT keeps PyTorch's: the blocks' attention is
 * nn.MultiheadAttention's in_proj/out_proj, their Linear weights are [out, in], their names are
 * nn.TransformerEncoderLayer's (self_attn, linear1, linear2, norm1, norm2). Only the tables differ:
 * tessera's raw parameters `wte`, `wpe`, `lm_head` are nn.Embedding / nn.Linear weights in PyTorch
 * (`wte.weight`, …). The tied head is `x @ wte.weight.T`, so PyTorch training keeps it tied.
 */
import type { Tensor } from '../tensor/tensor.js';
import { registerPytorchModel } from '../keras/pytorch/convert.js';
import type { GPT } from './gpt.js';

/** tessera's name → PyTorch's for the tables; everything else is named alike. */
const TABLES: Record<string, string> = { wte: 'wte.weight', wpe: 'wpe.weight', lm_head: 'lm_head.weight' };
const FROM_TORCH = Object.fromEntries(Object.entries(TABLES).map(([k, v]) => [v, k]));

const rename = (state: Record<string, Tensor>, names: Record<string, string>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [names[k] ?? k, v]));

const float = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

function source(gpt: GPT, className: string): string {
  const c = gpt.config;
  const eps = float(gpt.ln_f.epsilon);
  const head = c.tied
    ? ['        return x @ self.wte.weight.t()  # the head is the token embedding (tied)']
    : ['        return self.lm_head(x)'];
  return `class ${className}Block(nn.Module):
    """A pre-LN causal block: x + attn(norm1(x)), then x + linear2(gelu(linear1(norm2(x)))).
    Names and layouts as nn.TransformerEncoderLayer's (in_proj / out_proj attention)."""

    def __init__(self, width, heads, dropout=${float(c.dropout)}):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(width, 4 * width)
        self.linear2 = nn.Linear(4 * width, width)
        self.norm1 = nn.LayerNorm(width, eps=${eps})
        self.norm2 = nn.LayerNorm(width, eps=${eps})
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x, mask):
        h = self.norm1(x)
        a, _ = self.self_attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + self.dropout1(a)
        h = self.linear2(self.dropout(F.gelu(self.linear1(self.norm2(x)))))
        return x + self.dropout2(h)


class ${className}(nn.Module):
    """tessera's GPT (vocab_size=${c.vocabSize}, context=${c.context}, layers=${c.layers}, heads=${c.heads}, width=${c.width}${c.tied ? ', tied head' : ''}).

    Input: token ids [batch, time], time <= context. Output: logits [batch, time, vocab_size];
    position t predicts token t + 1 (train with F.cross_entropy on logits[:, :-1] and ids[:, 1:]).
    """

    def __init__(self, vocab_size=${c.vocabSize}, context=${c.context}, layers=${c.layers}, heads=${c.heads}, width=${c.width}, dropout=${float(c.dropout)}):
        super().__init__()
        self.context = context
        self.wte = nn.Embedding(vocab_size, width)
        self.wpe = nn.Embedding(context, width)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([${className}Block(width, heads, dropout) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width, eps=${eps})
${c.tied ? '' : '        self.lm_head = nn.Linear(width, vocab_size, bias=False)\n'}
    def forward(self, ids):
        t = ids.shape[1]
        assert t <= self.context, f"got {t} tokens; the model reads at most context={self.context}"
        positions = torch.arange(t, device=ids.device)
        x = self.drop(self.wte(ids.long()) + self.wpe(positions))
        # True where attention is blocked: query i sees keys j <= i.
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool, device=ids.device), diagonal=1)
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_f(x)
${head.join('\n')}
`;
}

registerPytorchModel<GPT>('GPT', {
  className: 'GPT',
  source,
  toTorch: (gpt) => rename(gpt.stateDict(), TABLES),
  fromTorch: (_gpt, state) => rename(state, FROM_TORCH),
});
