package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ownershipCases: run, sweep and merge write only into a new or empty
// folder or one their kind of output owns, never through a symlink, and
// never delete what bgdlab did not write (issue 29, class 2).
func ownershipCases() []hostileCase {
	const mine = "mine\n"
	unchanged := func(rel ...string) func(dir, _, _ string) string {
		return func(dir, _, _ string) string {
			for _, r := range rel {
				if raw, err := os.ReadFile(filepath.Join(dir, r)); err != nil || string(raw) != mine {
					return r + " was changed or removed"
				}
			}
			return ""
		}
	}
	runArgs := func(out string) []string {
		return []string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd:lr=0.01", "--batch", "full", "--steps", "5", "--out", out}
	}
	return []hostileCase{
		{class: "9 other people's folders", name: "run --out a home folder with a history.csv", want: "not a bgdlab run's", setup: func(t *testing.T, dir string) []string {
			write(t, filepath.Join(dir, "home", "history.csv"), mine)
			write(t, filepath.Join(dir, "home", ".bashrc"), mine)
			return runArgs(filepath.Join(dir, "home"))
		}, check: unchanged("home/history.csv", "home/.bashrc")},
		{class: "9 other people's folders", name: "sweep --out a folder with a user's summary.csv", want: "not a bgdlab sweep's", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			write(t, filepath.Join(dir, "repo", "summary.csv"), mine)
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "repo")}
		}, check: unchanged("repo/summary.csv")},
		{class: "9 other people's folders", name: "merge --out a folder with a user's best.csv", want: "not a bgdlab merge's", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			setupSweep(t, dir, cfg, filepath.Join(dir, "o"))
			write(t, filepath.Join(dir, "mine", "best.csv"), mine)
			return []string{"merge", "--out", filepath.Join(dir, "mine"), filepath.Join(dir, "o")}
		}, check: unchanged("mine/best.csv")},
		{class: "9 other people's folders", name: "merge into the folder that holds the shards (docs/sweeps.md)", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			setupSweep(t, dir, cfg, filepath.Join(dir, "res", "shard-0"), "--shard", "0/2")
			setupSweep(t, dir, cfg, filepath.Join(dir, "res", "shard-1"), "--shard", "1/2")
			return []string{"merge", "--out", filepath.Join(dir, "res"), filepath.Join(dir, "res", "shard-0"), filepath.Join(dir, "res", "shard-1")}
		}, check: func(dir, _, _ string) string {
			if _, err := os.Stat(filepath.Join(dir, "res", "summary.csv")); err != nil {
				return "no merged summary.csv beside the shards"
			}
			return ""
		}},
		{class: "9 other people's folders", name: "a sweep into another sweep's finished folder", want: "holds another sweep", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			setupSweep(t, dir, cfg, filepath.Join(dir, "o"))
			other := write(t, filepath.Join(dir, "other.yaml"), strings.Replace(sweepYAML(5), "name: h", "name: other", 1))
			raw, _ := os.ReadFile(filepath.Join(dir, "o", "summary.csv"))
			write(t, filepath.Join(dir, "summary.before"), string(raw))
			return []string{"sweep", "--config", other, "--out", filepath.Join(dir, "o")}
		}, check: func(dir, _, _ string) string {
			before, _ := os.ReadFile(filepath.Join(dir, "summary.before"))
			if after, _ := os.ReadFile(filepath.Join(dir, "o", "summary.csv")); string(after) != string(before) {
				return "the first sweep's summary.csv was replaced"
			}
			return ""
		}},
		{class: "9 other people's folders", name: "a user's notes in a half-written run folder", want: "which bgdlab did not write", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			setupSweep(t, dir, cfg, filepath.Join(dir, "o"))
			victim := runDirs(filepath.Join(dir, "o"))[0]
			os.Remove(filepath.Join(victim, "run.json"))
			write(t, filepath.Join(victim, "notes.txt"), mine)
			rel, _ := filepath.Rel(dir, filepath.Join(victim, "notes.txt"))
			write(t, filepath.Join(dir, "victim"), rel)
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "o")}
		}, check: func(dir, _, _ string) string {
			rel, _ := os.ReadFile(filepath.Join(dir, "victim"))
			return unchanged(string(rel))(dir, "", "")
		}},
		{class: "9 other people's folders", name: "run --out a symlink to a user's folder", want: "symbolic link", setup: func(t *testing.T, dir string) []string {
			write(t, filepath.Join(dir, "real", "keep.txt"), mine)
			if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			return runArgs(filepath.Join(dir, "link"))
		}, check: func(dir, _, _ string) string {
			if _, err := os.Stat(filepath.Join(dir, "real", "run.json")); err == nil {
				return "run.json was written through the link"
			}
			return unchanged("real/keep.txt")(dir, "", "")
		}},
	}
}

// staleDataCases: a resumed sweep over a CSV rewritten at the same path
// redoes its runs (issue 29, class 3).
func staleDataCases() []hostileCase {
	csvBody := func(k int) string {
		var b strings.Builder
		b.WriteString("x,y\n")
		for i := 1; i <= 30; i++ {
			b.WriteString(strings.TrimSpace(strings.Repeat(" ", 1)) + itoa(i) + "," + itoa(i*i*k%97) + "\n")
		}
		return b.String()
	}
	return []hostileCase{
		{class: "10 stale data", name: "CSV rewritten at the same path between launches", setup: func(t *testing.T, dir string) []string {
			csv := write(t, filepath.Join(dir, "d.csv"), csvBody(1))
			cfg := write(t, filepath.Join(dir, "s.yaml"), "name: c\nbase: {data: \"csv:path="+csv+"\", model: linear, batch: full, steps: 5, dtype: float64}\noptimizers: [gd]\ngrid: {lr: [0.01]}\nseeds: [1]\n")
			setupSweep(t, dir, cfg, filepath.Join(dir, "o"))
			write(t, csv, csvBody(5))
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "o")}
		}, check: func(_, _, stderr string) string {
			if !strings.Contains(stderr, "data files changed") {
				return "the resumed sweep reused runs of the old CSV"
			}
			return ""
		}},
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// exitCodeCases: bad usage is exit 2 with the fix, not 1, and a
// BGDLAB_SUPERVISED a user sets does not leak the child's private code 10
// (issue 29, class 8).
func exitCodeCases() []hostileCase {
	return []hostileCase{
		{class: "11 exit codes", name: "bench --backends nonsense", want: "unknown backend \"nonsense\"", setup: func(t *testing.T, dir string) []string {
			return []string{"bench", "--backends", "nonsense", "--no-peer"}
		}, check: exitWas(2)},
		{class: "11 exit codes", name: "merge of a missing folder", want: "is not a folder", setup: func(t *testing.T, dir string) []string {
			return []string{"merge", filepath.Join(dir, "missing")}
		}, check: exitWas(2)},
		{class: "11 exit codes", name: "BGDLAB_SUPERVISED=1 set by the user", env: []string{"BGDLAB_SUPERVISED=1"}, want: "flag provided but not defined", setup: func(t *testing.T, dir string) []string {
			return []string{"run", "--bogus"}
		}, check: exitWas(2)},
	}
}

// exitWas checks the CLI's exit code, which TestHostileInputs writes to
// dir/.exit after each case.
func exitWas(want int) func(dir, stdout, stderr string) string {
	return func(dir, _, _ string) string {
		raw, _ := os.ReadFile(filepath.Join(dir, ".exit"))
		if got := strings.TrimSpace(string(raw)); got != "" && got != strconv.Itoa(want) {
			return "exit " + got + ", want " + strconv.Itoa(want)
		}
		return ""
	}
}
