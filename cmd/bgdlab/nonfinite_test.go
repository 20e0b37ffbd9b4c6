package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nonFiniteCases: ±Inf and NaN (issue 29, class 4) either get run.json's
// string form ("+Inf", "-Inf", "NaN") or, where a value must be finite, a
// usage error; never "json: unsupported value" and a run.json missing.
func nonFiniteCases() []hostileCase {
	return []hostileCase{
		{class: "8 non-finite", name: "gd:lr=1e308 diverges with η·λmax = +Inf", setup: func(t *testing.T, dir string) []string {
			return []string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd:lr=1e308", "--batch", "full", "--steps", "10", "--out", filepath.Join(dir, "r")}
		}, check: func(dir, _, _ string) string {
			raw, err := os.ReadFile(filepath.Join(dir, "r", "run.json"))
			if err != nil {
				return "no run.json: " + err.Error()
			}
			var rec struct {
				Status     string
				Divergence struct {
					LR any `json:"lr_times_lambda_max"`
				}
			}
			if err := json.Unmarshal(raw, &rec); err != nil || rec.Status != "diverged" || rec.Divergence.LR != "+Inf" {
				return "run.json does not record the divergence with η·λmax \"+Inf\": " + string(raw)
			}
			return ""
		}},
		{class: "8 non-finite", name: "--target-loss Inf", want: "must be a finite number", setup: func(t *testing.T, dir string) []string {
			return []string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd:lr=0.01", "--batch", "full", "--steps", "10", "--target-loss", "Inf", "--out", filepath.Join(dir, "r")}
		}},
		{class: "8 non-finite", name: "theory --json with κ = ∞ (rank-deficient CSV)", setup: func(t *testing.T, dir string) []string {
			csv := write(t, filepath.Join(dir, "rd.csv"), "x1,x2,y\n1,2,3\n2,4,6\n3,6,9\n4,8,12\n5,10,15\n")
			return []string{"theory", "--data", "csv:path=" + csv + ",target=y", "--model", "linear", "--json"}
		}, check: func(_, stdout, _ string) string {
			var out map[string]any
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				return "theory --json printed no JSON: " + err.Error()
			}
			if !strings.Contains(stdout, `"+Inf"`) {
				return "κ = ∞ not written as \"+Inf\": " + stdout
			}
			return ""
		}},
	}
}
