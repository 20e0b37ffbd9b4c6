package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

func init() {
	register("theory", "print L, μ, κ, stable/optimal step sizes and predicted rates for a data+model", runTheory)
}

func runTheory(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("theory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataSpec := fs.String("data", "", "dataset SPEC (required)")
	modelSpec := fs.String("model", "", "model SPEC (required)")
	at := fs.String("at", "init", "where to measure curvature: init (initial parameters) or optimum (after L-BFGS)")
	seed := fs.Uint64("seed", 1, "seed for data and initial parameters")
	iters := fs.Int("iters", 100, "maximum Lanczos iterations")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *dataSpec == "" || *modelSpec == "" {
		return usagef("--data and --model are required")
	}
	if *iters < 1 {
		return usagef("--iters %d must be ≥ 1 (the most Lanczos iterations; default 100)", *iters)
	}
	if *at != "init" && *at != "optimum" {
		return usagef("--at %q must be init or optimum", *at)
	}
	spec := experiment.Spec{Seed: *seed, Optimizer: optim.LBFGS{}, Steps: 500}
	if err := spec.SetPart("data", *dataSpec); err != nil {
		return usagef("%v (--data)", err)
	}
	if err := spec.SetPart("model", *modelSpec); err != nil {
		return usagef("%v (--model)", err)
	}
	if _, err := experiment.Resolve(spec); err != nil {
		return usagef("%v", err)
	}
	b, err := openBackend(stderr)
	if err != nil {
		return err
	}
	defer b.Finalize()
	rep, err := experiment.Curvature(context.Background(), b, spec, *at, *iters)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		// Not-finite values (κ = ∞ on a rank-deficient problem) as run.json
		// writes them: "+Inf", "-Inf", "NaN" (experiment.Float).
		f := func(v float64) experiment.Float { return experiment.Float(v) }
		out := map[string]any{"data": rep.Data, "model": rep.Model, "at": rep.At,
			"L": f(rep.Curvature.L), "mu": f(rep.Curvature.Mu), "kappa": f(rep.Curvature.Kappa), "method": rep.Curvature.Method,
			"residual": f(rep.Curvature.Residual), "steps": clean(rep.Steps), "rates": clean(rep.Rates)}
		if rep.Exact != nil {
			out["exact"] = map[string]any{"L": f(rep.Exact.L), "mu": f(rep.Exact.Mu), "kappa": f(rep.Exact.Kappa), "method": rep.Exact.Method}
		}
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "data %s, model %s, at %s\n", rep.Data, rep.Model, rep.At)
	if rep.Exact != nil {
		fmt.Fprintf(stdout, "exact:   L = %.6g, μ = %.6g, κ = %.6g  (%s)\n", rep.Exact.L, rep.Exact.Mu, rep.Exact.Kappa, rep.Exact.Method)
	}
	c := rep.Curvature
	fmt.Fprintf(stdout, "HVP:     L = %.6g, μ = %.6g, κ = %.6g  (%s; residual %.2g)\n", c.L, c.Mu, c.Kappa, c.Method, c.Residual)
	fmt.Fprintln(stdout, "step sizes:")
	printMap(stdout, rep.Steps)
	fmt.Fprintln(stdout, "predicted per-step contraction of ‖θ − θ*‖:")
	printMap(stdout, rep.Rates)
	return nil
}

func clean(m map[string]float64) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if v != v {
			continue
		}
		out[k] = experiment.Float(v) // ±Inf as "+Inf"/"-Inf"
	}
	return out
}

func printMap(w io.Writer, m map[string]float64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if m[k] == m[k] {
			fmt.Fprintf(w, "  %-22s %.6g\n", k, m[k])
		}
	}
}
