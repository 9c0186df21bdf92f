# The PyTorch anchor for bench:train: the same llama shape, batch and AdamW step as weft's bench/train/step.ts.
# Usage: python3 bench/harness/train_torch.py SHAPE MODE STEPS THREADS  (MODE: full | lora)
import json, resource, sys, time
import torch
import torch.nn.functional as F

SHAPES = {"15M": (288, 6, 6, 768), "110M": (768, 12, 12, 2048)}
shape, mode, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
C, L, H, FF = SHAPES[shape]
V, B, T, D = 32000, 8, 256, SHAPES[shape][0] // SHAPES[shape][2]
torch.set_num_threads(threads)
torch.manual_seed(1)


class LoRA(torch.nn.Module):
    def __init__(self, base, r=8, alpha=16):
        super().__init__()
        self.base, self.scale = base, alpha / r
        self.a = torch.nn.Parameter(torch.randn(r, base.in_features) / base.in_features ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, r))

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale


def rope(x, pos):
    half = D // 2
    inv = 10000 ** (-torch.arange(0, half, dtype=torch.float32) * 2 / D)
    ang = pos[:, None] * inv[None, :]
    cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


MASK = torch.full((T, T), float("-inf")).triu(1)


def attend(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return torch.softmax(q @ k.transpose(-1, -2) / D ** 0.5 + MASK, dim=-1) @ v  # torch < 2.0


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        lin = lambda i, o: torch.nn.Linear(i, o, bias=False)
        self.q, self.k, self.v, self.o = lin(C, C), lin(C, C), lin(C, C), lin(C, C)
        self.gate, self.up, self.down = lin(C, FF), lin(C, FF), lin(FF, C)
        self.n1, self.n2 = torch.nn.RMSNorm(C, eps=1e-5), torch.nn.RMSNorm(C, eps=1e-5)

    def forward(self, x, pos):
        h = self.n1(x)
        q, k, v = (p(h).view(B, T, H, D) for p in (self.q, self.k, self.v))
        q, k = rope(q, pos), rope(k, pos)
        a = attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        x = x + self.o(a.transpose(1, 2).reshape(B, T, C))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, C)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(L))
        self.norm, self.head = torch.nn.RMSNorm(C, eps=1e-5), torch.nn.Linear(C, V, bias=False)

    def forward(self, ids):
        pos = torch.arange(T, dtype=torch.float32)
        x = self.emb(ids)
        for b in self.blocks:
            x = b(x, pos)
        return self.head(self.norm(x))


if not hasattr(torch.nn, "RMSNorm"):  # torch < 2.4
    class RMSNorm(torch.nn.Module):
        def __init__(self, n, eps):
            super().__init__()
            self.w, self.eps = torch.nn.Parameter(torch.ones(n)), eps

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w
    torch.nn.RMSNorm = RMSNorm

model = Model()
params = list(model.parameters())
if mode == "lora":
    for p in params:
        p.requires_grad_(False)
    for b in model.blocks:
        for n in ("q", "k", "v", "o", "gate", "up", "down"):
            setattr(b, n, LoRA(getattr(b, n)))
    params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-4)
ids = torch.randint(0, V, (B, T + 1))
times = []
for i in range(steps + 1):
    t0 = time.perf_counter()
    logits = model(ids[:, :T])
    loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if i > 0:
        times.append(time.perf_counter() - t0)
times.sort()
sec = times[len(times) // 2]
print(json.dumps({"shape": shape, "mode": mode, "secondsPerStep": sec, "tokensPerS": B * T / sec,
                  "rssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__}))
