package bench

// jaxScript times the same computations in JAX on CPU, written as a JAX
// user would: parameters in a pytree, one jax.jit of the loss-and-gradient
// step with the SGD update, float32, the same data. Its JSON output has the
// PyTorch peer's form.
const jaxScript = peerPrelude + `
import jax, jax.numpy as jnp
jax.config.update("jax_platforms", "cpu")
X = idx("train-images-idx3-ubyte").astype(np.float32) / 255.0
Y = idx("train-labels-idx1-ubyte").astype(np.int32)
key = jax.random.PRNGKey(0)
def dense(k, i, o, std=None):
    w = jax.random.normal(k, (i, o), jnp.float32) * (std if std else np.sqrt(2.0 / i))
    return {"w": w, "b": jnp.zeros((o,), jnp.float32)}
def conv(k, kh, ci, co):
    return {"w": jax.random.normal(k, (kh, kh, ci, co), jnp.float32) * np.sqrt(2.0 / (kh*kh*ci)), "b": jnp.zeros((co,), jnp.float32)}
def init(name, c):
    ks = jax.random.split(key, 16)
    if name == "softmax":
        return [dense(ks[0], 784, 10)]
    if name == "mlp":
        return [dense(ks[0], 784, 256), dense(ks[1], 256, 10)]
    if name == "deep":
        ls, k = [], c["features"]
        for i in range(c["depth"]):
            ls.append(dense(ks[i % 16], k, c["width"], c["std"])); k = c["width"]
        return ls + [dense(ks[15], k, c["classes"])]
    return [conv(ks[0], 5, 1, 6), conv(ks[1], 5, 6, 16), conv(ks[2], 3, 16, 32), dense(ks[3], 7*7*32, 128), dense(ks[4], 128, 10)]
def forward(name, p, x):
    if name == "softmax":
        return x @ p[0]["w"] + p[0]["b"]
    if name == "mlp":
        return jax.nn.relu(x @ p[0]["w"] + p[0]["b"]) @ p[1]["w"] + p[1]["b"]
    if name == "deep":
        for l in p[:-1]:
            x = jax.nn.sigmoid(x @ l["w"] + l["b"])
        return x @ p[-1]["w"] + p[-1]["b"]
    h = x.reshape(-1, 28, 28, 1)
    for l, s in zip(p[:3], (1, 2, 2)):
        h = jax.lax.conv_general_dilated(h, l["w"], (s, s), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(h + l["b"])
    h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p[3]["w"] + p[3]["b"])
    return h @ p[4]["w"] + p[4]["b"]
out = []
for c in cases:
    name, n = c["name"], c["n"]
    if "x" in c:
        x = np.fromfile(c["x"], dtype=np.float32).reshape(n, c["features"])
        y = np.fromfile(c["y"], dtype=np.int64).astype(np.int32)
    else:
        x = X[:n].reshape(n, 784); y = Y[:n]
    x, y = jax.device_put(x), jax.device_put(y)
    def loss(p, xb, yb):
        logits = forward(name, p, xb)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], axis=1))
    @jax.jit
    def step(p, xb, yb):
        g = jax.grad(loss)(p, xb, yb)
        return jax.tree_util.tree_map(lambda a, b: a - 0.01 * b, p, g)
    state = {"p": init(name, c)}
    def full():
        state["p"] = jax.block_until_ready(step(state["p"], x, y))
    med, mn = timeit(full, repeats)
    out.append({"case": name, "kind": "full-step", "n": n, "median_s": med, "min_s": mn})
    perm = np.array([(s*128 + i*7919) % n for s in range(n // 128) for i in range(128)]).reshape(n // 128, 128)
    batches = [(jax.device_put(np.asarray(x)[b]), jax.device_put(np.asarray(y)[b])) for b in perm]
    def epoch():
        p = state["p"]
        for xb, yb in batches:
            p = step(p, xb, yb)
        state["p"] = jax.block_until_ready(p)
    med, mn = timeit(epoch, max(1, repeats // 3))
    out.append({"case": name, "kind": "epoch-128", "n": n, "median_s": med, "min_s": mn})
a = jax.random.normal(key, (2048, 2048), jnp.float32); b = jax.random.normal(jax.random.PRNGKey(1), (2048, 2048), jnp.float32)
mm = jax.jit(lambda a, b: a @ b)
c = np.asarray(mm(a, b))
ref = np.asarray(a[:64], np.float64) @ np.asarray(b, np.float64)
err = float(np.abs(c[:64] - ref).max() / np.abs(ref).max())
if not err < 1e-4:
    raise SystemExit("peer GEMM disagrees with float64: relative error %g" % err)
gmed, gmin = timeit(lambda: jax.block_until_ready(mm(a, b)), repeats)
print(json.dumps({"results": out, "info": {"jax": jax.__version__, "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else "",
    "devices": [str(x) for x in jax.devices()], "gemm_gflops": 2 * 2048**3 / gmin / 1e9, "gemm_rel_error_vs_float64": err,
    "glibc_tunables": os.environ.get("GLIBC_TUNABLES", "")}}))
`
