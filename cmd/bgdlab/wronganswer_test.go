package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/idxtest"
)

// wrongAnswerCases: input that ran to exit 0 with a wrong answer (issue 29,
// class 5), files read without bound (class 6), and refusals that did not
// name the problem or used the wrong exit code (class 8).
func wrongAnswerCases() []hostileCase {
	const wrong, unbounded, messages = "12 wrong answers", "13 unbounded reads", "14 messages"
	rows := func(n int, label func(i int) string) string {
		var b strings.Builder
		b.WriteString("a,b,y\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%d,%d,%s\n", i%7, (i*i)%11, label(i))
		}
		return b.String()
	}
	csvCase := func(class, name, body, spec, model, want string, check func(dir, stdout, stderr string) string) hostileCase {
		return hostileCase{class: class, name: name, want: want, check: check, setup: func(t *testing.T, dir string) []string {
			p := write(t, filepath.Join(dir, "d.csv"), body)
			return runArgs(dir, "--data", "csv:path="+p+spec, "--model", model)
		}}
	}
	sweep := func(class, name, file, body, want string, check func(dir, stdout, stderr string) string) hostileCase {
		return hostileCase{class: class, name: name, want: want, check: check, setup: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--config", write(t, filepath.Join(dir, file), body), "--out", filepath.Join(dir, "o")}
		}}
	}
	base := "base: {data: textbook, model: linear, steps: 5}\n"
	return []hostileCase{
		csvCase(wrong, "class labels 2⁵³ and 2⁵³+1", rows(40, func(i int) string { return fmt.Sprint(9007199254740992 + i%2) }), ",task=classification", "softmax", "must be an integer in [0, 2147483647]", nil),
		csvCase(wrong, "class labels 1e300 and 1e301", rows(40, func(i int) string { return fmt.Sprintf("1e%d", 300+i%2) }), ",task=classification", "softmax", "must be an integer in [0, 2147483647]", nil),
		csvCase(wrong, "a classification of one class", rows(40, func(int) string { return "3" }), ",task=classification", "softmax", "at least two classes", nil),
		csvCase(wrong, "hexadecimal float", "a,b,y\n0x1p-2,1,2\n1,2,3\n2,3,5\n3,4,1\n", "", "linear", `"0x1p-2" is not a decimal number`, nil),
		csvCase(wrong, "digit separators", "a,b,y\n1_000,1,2\n1,2,3\n2,3,5\n3,4,1\n", "", "linear", `"1_000" is not a decimal number`, nil),
		csvCase(wrong, "pandas' numeric header (0 1 2) is a header", "0,1,2\n"+strings.SplitN(rows(20, func(i int) string { return fmt.Sprint(i * 3 % 5) }), "\n", 2)[1], ",val=0,test=0", "linear", "", examplesRecorded(20)),
		{class: wrong, name: "Fashion test images of another shape", want: "the test images are 14×56 but the training images 28×28", setup: func(t *testing.T, dir string) []string {
			fm := filepath.Join(dir, "fm")
			os.MkdirAll(fm, 0o755)
			labels := idxtest.Bytes([]uint32{10}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
			os.WriteFile(filepath.Join(fm, "train-images-idx3-ubyte"), idxtest.Bytes([]uint32{10, 28, 28}, make([]byte, 10*28*28)), 0o644)
			os.WriteFile(filepath.Join(fm, "train-labels-idx1-ubyte"), labels, 0o644)
			os.WriteFile(filepath.Join(fm, "t10k-images-idx3-ubyte"), idxtest.Bytes([]uint32{10, 14, 56}, make([]byte, 10*28*28)), 0o644)
			os.WriteFile(filepath.Join(fm, "t10k-labels-idx1-ubyte"), labels, 0o644)
			return []string{"run", "--data", "fashion-mnist:dir=" + fm + ",val=0", "--model", "softmax", "--optimizer", "gd", "--steps", "1", "--out", filepath.Join(dir, "r")}
		}},
		sweep(wrong, "optimizers [gd, gd]", "s.yaml", base+"optimizers: [gd, gd]\nseeds: [1, 2]\n", `optimizers lists "gd" twice`, nil),
		sweep(wrong, "JSON config with seeds twice", "s.json", `{"base": {"data": "textbook", "model": "linear", "steps": 5}, "optimizers": ["gd"], "seeds": [1], "seeds": [2, 3]}`, `line 1 column 99: key "seeds" is given twice`, nil),
		sweep(wrong, "misspelt per_optimizer name", "s.yaml", base+"optimizers: [gd, momentum]\nper_optimizer: {momentun: {momentum: [0.5, 0.9]}}\n", "per_optimizer.momentun names no optimizer", nil),
		sweep(wrong, "target_loss .inf", "s.yaml", base+"optimizers: [gd]\ntarget_loss: .inf\n", "target_loss=+Inf must be a finite number", nil),
		sweep(wrong, "base.seed 7 without seeds runs seed 7", "s.yaml", "base: {data: textbook, model: linear, steps: 5, seed: 7}\noptimizers: [gd]\n", "", sweptSeeds(7)),
		sweep(wrong, "base.seed and seeds both", "s.yaml", "base: {data: textbook, model: linear, steps: 5, seed: 7}\noptimizers: [gd]\nseeds: [1, 2]\n", "base.seed (7) and seeds ([1 2]) are both given", nil),
		sweep(wrong, "YAML base keys as in run.json (target_loss)", "s.yaml", "base: {data: textbook, model: linear, steps: 5, target_loss: 1e-30}\noptimizers: [gd]\n", "", nil),
		{class: wrong, name: "theory --iters 0", want: "--iters 0 must be ≥ 1", setup: func(t *testing.T, dir string) []string {
			return []string{"theory", "--data", "textbook", "--model", "linear", "--iters", "0"}
		}, check: exitWas(2)},
		{class: wrong, name: "theory --iters -5", want: "--iters -5 must be ≥ 1", setup: func(t *testing.T, dir string) []string {
			return []string{"theory", "--data", "textbook", "--model", "linear", "--iters", "-5"}
		}, check: exitWas(2)},
		{class: wrong, name: "BGDLAB_BACKEND=go:parallelism=-3", env: []string{"BGDLAB_BACKEND=go:parallelism=-3"}, want: "parallelism=-3 must be a whole number of workers", setup: func(t *testing.T, dir string) []string {
			return runArgs(dir)
		}, check: exitWas(2)},

		{class: unbounded, name: "csv:path=/dev/zero", want: "is not a regular file (it is a device)", setup: func(t *testing.T, dir string) []string {
			return runArgs(dir, "--data", "csv:path=/dev/zero")
		}},
		{class: unbounded, name: "a sparse 2 GiB CSV", want: "is 2.0 GiB; bgdlab reads at most 1.0 GiB", setup: func(t *testing.T, dir string) []string {
			p := write(t, filepath.Join(dir, "big.csv"), "a,b,y\n1,2,3\n")
			if err := os.Truncate(p, 2<<30); err != nil { // a hole: no disk used
				t.Skip(err)
			}
			return runArgs(dir, "--data", "csv:path="+p)
		}},
		{class: unbounded, name: "sweep --config /dev/zero", want: "is not a regular file", setup: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--config", "/dev/zero", "--out", filepath.Join(dir, "o")}
		}},

		csvCase(messages, "UTF-16 CSV", "\xff\xfea\x00,\x00y\x00\n\x001\x00,\x002\x00\n\x00", "", "linear", "UTF-16 text", nil),
		csvCase(messages, "CR-only line ends are read", "a,b,y\r1,2,3\r4,5,6\r7,8,10\r1,1,1\r2,5,4\r", ",val=0,test=0", "linear", "", examplesRecorded(5)),
		csvCase(messages, "±1e308 features standardize", "a,b,y\n1e308,1,2\n1e308,2,3\n-1e308,3,1\n-1e308,4,4\n1e308,5,2\n-1e308,6,5\n", ",val=0,test=0", "linear", "", examplesRecorded(6)),
		sweep(messages, "empty sweep config", "s.yaml", "\n", "is empty: give at least base and optimizers", nil),
		sweep(messages, "JSON config holding YAML", "s.json", base+"optimizers: [gd]\n", "line 1 column 1: invalid character 'b' looking for beginning of value (this looks like YAML", nil),
		{class: messages, name: "run.json that is a folder", want: "run.json is a folder where bgdlab writes a file", setup: func(t *testing.T, dir string) []string {
			os.MkdirAll(filepath.Join(dir, "r", "run.json", "keep"), 0o755)
			write(t, filepath.Join(dir, "r", ".bgdlab-run"), "")
			return runArgs(dir)
		}},
		{class: messages, name: "run -h", setup: func(t *testing.T, dir string) []string { return []string{"run", "-h"} }, check: exitWas(0)},
		{class: messages, name: "sweep --help", setup: func(t *testing.T, dir string) []string { return []string{"sweep", "--help"} }, check: exitWas(0)},
	}
}

// examplesRecorded checks that run.json records n training examples.
func examplesRecorded(n int) func(dir, stdout, stderr string) string {
	return func(dir, _, _ string) string {
		raw, err := os.ReadFile(filepath.Join(dir, "r", "run.json"))
		if err != nil {
			return err.Error()
		}
		if !strings.Contains(string(raw), fmt.Sprintf(`"train": %d`, n)) {
			return fmt.Sprintf("run.json does not record %d training examples", n)
		}
		return ""
	}
}

// sweptSeeds checks that the sweep in dir/o ran exactly these seeds.
func sweptSeeds(want ...uint64) func(dir, stdout, stderr string) string {
	return func(dir, _, _ string) string {
		runs, _ := filepath.Glob(filepath.Join(dir, "o", "runs", "*", "run.json"))
		var got []uint64
		for _, p := range runs {
			raw, _ := os.ReadFile(p)
			var rec struct{ Spec struct{ Seed uint64 } }
			json.Unmarshal(raw, &rec)
			got = append(got, rec.Spec.Seed)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Sprintf("the sweep ran seeds %v, want %v", got, want)
		}
		return ""
	}
}
