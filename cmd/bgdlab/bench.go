package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bgdlab/bgdlab/internal/atomicfile"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/bench"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/gomlx/compute"
)

func init() {
	register("bench", "time full-batch steps and mini-batch epochs on every backend (and PyTorch when installed)", runBench)
}

// benchFlags are bench's parsed command line.
type benchFlags struct {
	configs          []string
	cases            []bench.Case
	repeats          int
	scale            float64
	out, python, jax string
	noPeer, isolate  bool
	child, childGEMM bool
}

func parseBenchFlags(args []string, stderr io.Writer) (benchFlags, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backendsFlag := fs.String("backends", "auto", "comma-separated backends to time: go, go-nosimd (the go backend built without GOEXPERIMENT=simd, from .tools/bin/bgdlab-nosimd), xla:cpu, xla:cuda (auto: go, go-nosimd when built, and xla:cpu when its plugin is installed)")
	casesFlag := fs.String("cases", "softmax,mlp,cnn,deep", "cases: softmax, mlp, cnn, deep (the 12×32 sigmoid MLP on 1 500 spiral points)")
	var f benchFlags
	fs.IntVar(&f.repeats, "repeats", 5, "timed repetitions after one warm-up")
	fs.StringVar(&f.out, "out", "", "folder for bench.csv and bench.json (optional)")
	fs.StringVar(&f.python, "python", "/usr/bin/python3", "interpreter with torch for the PyTorch peer (skipped when torch is missing)")
	fs.StringVar(&f.jax, "jax-python", defaultJAXPython(), "interpreter with jax for the JAX peer (skipped when jax is missing; scripts/install-peers installs .tools/peers)")
	fs.BoolVar(&f.noPeer, "no-peer", false, "skip the peers (PyTorch and JAX)")
	fs.Float64Var(&f.scale, "scale", 1, "fraction of each case's n (e.g. 0.1 for a quick look)")
	fs.BoolVar(&f.isolate, "isolate", true, "time each backend and case in its own process, so maxrss_MB is that case's peak memory")
	fs.BoolVar(&f.child, "child", false, "internal: time the given cases in this process and print their results as JSON")
	fs.BoolVar(&f.childGEMM, "gemm", false, "internal (with --child): also time a 2048³ float32 matrix product")
	if err := fs.Parse(args); err != nil {
		return f, flagError(err)
	}
	if f.repeats < 1 || !(f.scale > 0 && f.scale <= 1) {
		return f, usagef("--repeats must be ≥ 1 and --scale in (0, 1]")
	}
	for _, name := range strings.Split(*casesFlag, ",") {
		if name == "none" && f.child {
			continue
		}
		c, ok := benchCase(name, f.scale)
		if !ok {
			return f, usagef("unknown case %q: valid cases are softmax, mlp, cnn, deep", name)
		}
		f.cases = append(f.cases, c)
	}
	f.configs = strings.Split(*backendsFlag, ",")
	if *backendsFlag == "auto" {
		f.configs = autoBackends(stderr)
	}
	for _, cfg := range f.configs {
		switch {
		case cfg == "go", strings.HasPrefix(cfg, "go:"), cfg == noSIMD, cfg == "xla:cpu", cfg == "xla:cuda":
		default:
			return f, usagef("unknown backend %q in --backends: valid are go (or go:OPTIONS), %s, xla:cpu, xla:cuda, or auto", cfg, noSIMD)
		}
		if cfg != noSIMD {
			continue
		}
		if !f.isolate {
			return f, usagef("--backends %s runs in a child process: drop --isolate=false", noSIMD)
		}
		if _, err := noSIMDBinary(); err != nil {
			return f, usagef("%v", err)
		}
	}
	return f, nil
}

// benchCase returns the named default case with its n scaled.
func benchCase(name string, scale float64) (bench.Case, bool) {
	for _, c := range bench.DefaultCases() {
		if c.Name == name {
			c.N = max(int(float64(c.N)*scale), 4)
			if sp, ok := c.Data.(data.Spirals); ok {
				sp.N = c.N
				c.Data = sp
			}
			return c, true
		}
	}
	return bench.Case{}, false
}

func runBench(args []string, stdout, stderr io.Writer) error {
	f, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	opts := bench.Options{Repeats: f.repeats, Progress: func(s string) { fmt.Fprintln(stderr, "bench: "+s) }}
	ctx, cancel := interruptible()
	defer cancel()
	if f.child {
		return benchAsChild(ctx, f, opts, stdout)
	}
	cpu := backend.DetectCPU()
	fmt.Fprintf(stderr, "bench: CPU %s (%d cores, flags %s); this binary: SIMD matrix products %s\n", cpu.Model, cpu.Cores, cpu.Flags(), map[bool]string{true: "compiled in", false: "not compiled in"}[backend.SIMDCompiled])
	results, peaks, err := timeBackends(ctx, f, opts, stderr)
	if err != nil {
		return err
	}
	var peers []*bench.Peer
	if !f.noPeer {
		for _, pk := range []struct {
			kind   bench.PeerKind
			python string
		}{{bench.PyTorch, f.python}, {bench.JAX, f.jax}} {
			if !pk.kind.Available(pk.python) {
				fmt.Fprintf(stderr, "bench: %s cannot import %s: no %s peer (scripts/install-peers installs it)\n", pk.python, pk.kind.Module, pk.kind.Name)
				continue
			}
			fmt.Fprintf(stderr, "bench: timing the %s peer (same data, float32, 2 threads)\n", pk.kind.Name)
			p, err := bench.RunPeer(ctx, pk.kind, pk.python, data.FashionMNISTDir(), f.cases, f.repeats)
			if err != nil {
				return err
			}
			peers = append(peers, p)
		}
	}
	return writeBench(stdout, f, cpu, results, peers, peaks)
}

// benchAsChild times f.cases (and, asked, the GEMM) on the one backend in
// this process and prints the results as one line of JSON.
func benchAsChild(ctx context.Context, f benchFlags, opts bench.Options, stdout io.Writer) error {
	if len(f.configs) != 1 {
		return usagef("--child times one backend")
	}
	b, err := backend.NewWithConfig(f.configs[0])
	if err != nil {
		return usagef("backend %s: %v", f.configs[0], err)
	}
	defer b.Finalize()
	results, err := benchInProcess(ctx, b, f.configs[0], f.cases, data.FashionMNISTDir(), opts)
	if err != nil {
		return err
	}
	if f.childGEMM {
		peak, err := bench.GEMMPeak(b, 3)
		if err != nil {
			return err
		}
		results = append(results, bench.Result{Backend: f.configs[0], Case: "gemm", Kind: "2048³", GFLOPs: peak, SIMD: backend.SIMDCompiled})
	}
	return json.NewEncoder(stdout).Encode(results)
}

// timeBackends times every backend: the GEMM and each case, each in a
// child process (or all in this one with --isolate=false).
func timeBackends(ctx context.Context, f benchFlags, opts bench.Options, stderr io.Writer) ([]bench.Result, map[string]float64, error) {
	var results []bench.Result
	peaks := map[string]float64{}
	for _, cfg := range f.configs {
		if !f.isolate {
			b, err := backend.NewWithConfig(cfg)
			if err != nil {
				return nil, nil, usagef("backend %s: %v", cfg, err)
			}
			peak, err := bench.GEMMPeak(b, 3)
			if err == nil {
				peaks[cfg] = peak
				var rs []bench.Result
				rs, err = benchInProcess(ctx, b, cfg, f.cases, data.FashionMNISTDir(), opts)
				results = append(results, rs...)
			}
			b.Finalize()
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		rs, err := benchChild(ctx, cfg, nil, f.repeats, f.scale, stderr)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			peaks[cfg] = r.GFLOPs
		}
		for _, c := range f.cases {
			rs, err := benchChild(ctx, cfg, &c, f.repeats, f.scale, stderr)
			if err != nil {
				return nil, nil, err
			}
			results = append(results, rs...)
		}
	}
	return results, peaks, nil
}

// writeBench prints the table, the peer's configuration, the GEMM rates and
// the CPU, and writes bench.csv and bench.json when --out is set.
func writeBench(stdout io.Writer, f benchFlags, cpu backend.CPU, results []bench.Result, peers []*bench.Peer, peaks map[string]float64) error {
	rows := table(results, peers, peaks)
	w := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
	for _, p := range peers {
		info, _ := json.Marshal(p.Info)
		fmt.Fprintf(stdout, "peer %s: %s\n", p.Name, info)
	}
	for _, cfg := range f.configs {
		fmt.Fprintf(stdout, "GEMM (2048³ float32) on %s: %.1f GFLOP/s\n", cfg, peaks[cfg])
	}
	for _, p := range peers {
		if g, ok := p.GEMM(); ok {
			fmt.Fprintf(stdout, "GEMM (2048³ float32) in the %s peer: %.1f GFLOP/s\n", p.Name, g)
		}
	}
	fmt.Fprintf(stdout, "cpu: %s (%s, %d cores; flags %s)\n", cpu.Model, cpu.Arch, cpu.Cores, cpu.Flags())
	if f.out == "" {
		return nil
	}
	var buf strings.Builder
	cw := csv.NewWriter(&buf)
	cw.WriteAll(rows)
	if err := atomicfile.Write(filepath.Join(f.out, "bench.csv"), []byte(buf.String())); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(map[string]any{"results": results, "peers": peers, "gemm_gflops": peaks, "cpu": cpu, "versions": backend.Versions(), "glibc_tunables": os.Getenv("GLIBC_TUNABLES")}, "", "  ")
	if err := atomicfile.Write(filepath.Join(f.out, "bench.json"), raw); err != nil {
		return err
	}
	ratios := bench.Ratios(results, peers)
	for _, p := range peers {
		fig, err := bench.Figure(ratios, p.Name, cpu)
		if err != nil {
			return err
		}
		name := filepath.Join(f.out, "bench_"+p.Name+".png")
		if err := plots.Save(fig, name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", name)
	}
	fmt.Fprintf(stdout, "wrote %s/bench.csv and bench.json\n", f.out)
	return nil
}

// benchInProcess times every case on backend b (configured as cfg) in this
// process: full-batch step, matrix products only, and an epoch of batch 128.
func benchInProcess(ctx context.Context, b compute.Backend, cfg string, cases []bench.Case, dir string, opts bench.Options) ([]bench.Result, error) {
	maxN := 0
	for _, c := range cases {
		if c.Data == nil {
			maxN = max(maxN, c.N)
		}
	}
	var fashion *data.Dataset
	if maxN > 0 {
		var err error
		if fashion, err = bench.LoadTrain(maxN, dir); err != nil {
			return nil, err
		}
	}
	var results []bench.Result
	for _, c := range cases {
		sub, err := bench.CaseData(c, fashion)
		if err != nil {
			return nil, err
		}
		for _, fn := range []func() (bench.Result, error){
			func() (bench.Result, error) { return bench.FullStep(ctx, b, c, sub, opts) },
			func() (bench.Result, error) { return bench.MatmulOnly(ctx, b, c, opts) },
			func() (bench.Result, error) { return bench.Epoch(ctx, b, c, sub, opts) },
		} {
			r, err := fn()
			if err != nil {
				return nil, err
			}
			r.Backend, r.SIMD = cfg, backend.SIMDCompiled
			results = append(results, r)
		}
	}
	return results, nil
}

// noSIMD names the go backend as built without GOEXPERIMENT=simd: bench
// runs it from a second binary, .tools/bin/bgdlab-nosimd.
const noSIMD = "go-nosimd"

// noSIMDBinary returns the path of bgdlab-nosimd beside this executable, or
// an error saying how to build it.
func noSIMDBinary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(exe), "bgdlab-nosimd")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("backend %s needs %s, bgdlab built without the SIMD experiment: build it with 'GOEXPERIMENT= go build -o %s ./cmd/bgdlab' (scripts/install-peers does)", noSIMD, p, p)
	}
	return p, nil
}

// autoBackends is what --backends auto times: go, go-nosimd when its binary
// is built, and xla:cpu when a plugin is found.
func autoBackends(stderr io.Writer) []string {
	configs := []string{"go"}
	if _, err := noSIMDBinary(); err == nil && backend.SIMDCompiled {
		configs = append(configs, noSIMD)
	}
	if installed, _ := backend.InstalledPlugins(); installed["cpu"] != "" {
		configs = append(configs, "xla:cpu")
	} else {
		fmt.Fprintln(stderr, "bench: no XLA CPU plugin (scripts/setup installs one): not timing xla:cpu")
	}
	return configs
}

// benchChild times one backend and case (c == nil: the 2048³ GEMM) in a
// child bgdlab process, so that the peak memory it reports belongs to that
// case alone; its progress goes to stderr. go-nosimd runs bgdlab-nosimd.
func benchChild(ctx context.Context, cfg string, c *bench.Case, repeats int, scale float64, stderr io.Writer) ([]bench.Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	backendArg := cfg
	if cfg == noSIMD {
		if exe, err = noSIMDBinary(); err != nil {
			return nil, err
		}
		backendArg = "go"
	}
	name, args := "gemm", []string{"--cases", "none", "--gemm"}
	if c != nil {
		name, args = c.Name, []string{"--cases", c.Name}
	}
	args = append([]string{"bench", "--child", "--backends", backendArg,
		"--repeats", strconv.Itoa(repeats), "--scale", strconv.FormatFloat(scale, 'g', -1, 64), "--no-peer"}, args...)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bench: %s %s in a child process: %w", cfg, name, err)
	}
	// The results are the last line: GoMLX prints some notes on stdout
	// ("Go backend: parallelism set to 2").
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var rs []bench.Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rs); err != nil {
		return nil, fmt.Errorf("bench: %s %s: unreadable child output: %w", cfg, name, err)
	}
	for i := range rs {
		rs[i].Backend = cfg
	}
	return rs, nil
}

// table lays out results: per backend and case, the full step with its
// matmul-only floor, the epoch, and the time of and ratio to each peer.
func table(results []bench.Result, peers []*bench.Peer, peaks map[string]float64) [][]string {
	head := []string{"backend", "case", "kind", "n", "median_s", "min_s", "GFLOP/s", "%peak", "step/matmul"}
	for _, p := range peers {
		head = append(head, p.Name+"_min_s", "ratio_to_"+p.Name)
	}
	rows := [][]string{append(head, "maxrss_MB")}
	find := func(backend, cs, kind string) *bench.Result {
		for i := range results {
			if results[i].Backend == backend && results[i].Case == cs && results[i].Kind == kind {
				return &results[i]
			}
		}
		return nil
	}
	bestPeak := 0.0
	for _, v := range peaks {
		bestPeak = math.Max(bestPeak, v)
	}
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return fmt.Sprintf("%.4g", v)
	}
	for _, r := range results {
		ratio := math.NaN()
		if r.Kind == "full-step" {
			if mm := find(r.Backend, r.Case, "matmul-only"); mm != nil {
				ratio = r.Min.Seconds() / mm.Min.Seconds()
			}
		}
		row := []string{r.Backend, r.Case, r.Kind, fmt.Sprint(r.N), f(r.Median.Seconds()), f(r.Min.Seconds()), f(r.GFLOPs),
			f(100 * r.GFLOPs / bestPeak), f(ratio)}
		for _, p := range peers {
			pm := p.Min(r.Case, r.Kind)
			row = append(row, f(pm), f(r.Min.Seconds()/pm))
		}
		rows = append(rows, append(row, f(r.MaxRSSMB)))
	}
	return rows
}

// defaultJAXPython is .tools/peers/bin/python beside this executable's
// .tools/bin, where scripts/install-peers puts the JAX peer.
func defaultJAXPython() string {
	exe, err := os.Executable()
	if err != nil {
		return ".tools/peers/bin/python"
	}
	return filepath.Join(filepath.Dir(filepath.Dir(exe)), "peers", "bin", "python")
}
