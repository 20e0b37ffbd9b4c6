package experiment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
)

// CacheDir is where notebooks keep finished runs between cells (each GoNB
// cell is a new process): $BGDLAB_OUT/cache, else a folder in os.TempDir().
func CacheDir(name string) string {
	if out := os.Getenv("BGDLAB_OUT"); out != "" {
		return filepath.Join(out, "cache", name)
	}
	return filepath.Join(os.TempDir(), "bgdlab-cache", name)
}

// Cached returns the run of s stored under dir (named by a hash of the spec),
// running and storing it first if needed — the sweep's resume logic for a
// single run.
func Cached(dir string, b backends.Backend, s Spec) (*Result, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	runDir := filepath.Join(dir, hex.EncodeToString(sum[:8]))
	if Finished(runDir) {
		if res, err := Read(runDir); err == nil {
			return res, nil
		}
	}
	res, err := Run(context.Background(), b, s, Options{})
	if err != nil {
		return nil, err
	}
	return res, Write(runDir, res)
}

// Column returns one history column by its history.csv name (step, epoch,
// examples, grad_evals, wall_s, lr, train_loss, grad_norm, update_norm,
// val_loss, val_metric, test_loss, test_metric); unknown names give NaNs.
func (r *Result) Column(name string) []float64 {
	out := make([]float64, len(r.History))
	for i, h := range r.History {
		v := math.NaN()
		switch name {
		case "step":
			v = float64(h.Step)
		case "epoch":
			v = h.Epoch
		case "examples":
			v = float64(h.Examples)
		case "grad_evals":
			v = float64(h.GradEvals)
		case "wall_s":
			v = h.WallS
		case "lr":
			v = h.LR
		case "train_loss":
			v = h.TrainLoss
		case "grad_norm":
			v = h.GradNorm
		case "update_norm":
			v = h.UpdateNorm
		case "val_loss":
			v = h.ValLoss
		case "val_metric":
			v = h.ValMetric
		case "test_loss":
			v = h.TestLoss
		case "test_metric":
			v = h.TestMetric
		}
		out[i] = v
	}
	return out
}

// Gap returns train_loss − fstar per logged row.
func (r *Result) Gap(fstar float64) []float64 {
	out := r.Column("train_loss")
	for i := range out {
		out[i] -= fstar
	}
	return out
}
