package experiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
)

// Files written for each run. run.json is written last, so a directory with
// run.json holds a finished run; one without is a half-written run to redo.
const (
	RunFile     = "run.json"
	HistoryFile = "history.csv"
)

// HistoryColumns are the fixed columns of history.csv, in order; per-layer
// gradient norms follow as grad_norm/<layer>.
var HistoryColumns = []string{"step", "epoch", "examples", "grad_evals", "wall_s", "lr", "train_loss", "grad_norm", "update_norm",
	"val_loss", "val_metric", "test_loss", "test_metric"}

// Write stores res in dir: history.csv first, then run.json, each atomically.
func Write(dir string, res *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteHistoryCSV(&buf, res); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, HistoryFile), buf.Bytes()); err != nil {
		return err
	}
	res.SpecSHA256 = SpecHash(res.Spec)
	raw, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, RunFile), append(raw, '\n'))
}

// SpecHash is the SHA-256 (hex) of a spec's JSON encoding, as run.json
// records it.
func SpecHash(s Spec) string { return HashJSON(s.text()) }

// HashJSON is the SHA-256 (hex) of v's JSON encoding: how run.json and
// sweep.json hash what they record.
func HashJSON(v any) string {
	raw, _ := json.Marshal(v)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// CSVFloat writes a float as bgdlab's CSV files hold it (history.csv,
// summary.csv): the shortest exact form, NaN (not measured) as empty.
func CSVFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// WriteHistoryCSV writes the tidy history: a header row, then one row per
// logged step; empty cells are values not measured on that row.
func WriteHistoryCSV(w *bytes.Buffer, res *Result) error {
	cw := csv.NewWriter(w)
	header := append([]string(nil), HistoryColumns...)
	for _, l := range res.Layers {
		header = append(header, "grad_norm/"+l)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range res.History {
		row := []string{strconv.Itoa(r.Step), CSVFloat(r.Epoch), strconv.FormatInt(r.Examples, 10), strconv.FormatInt(r.GradEvals, 10),
			CSVFloat(r.WallS), CSVFloat(r.LR), CSVFloat(r.TrainLoss), CSVFloat(r.GradNorm), CSVFloat(r.UpdateNorm),
			CSVFloat(r.ValLoss), CSVFloat(r.ValMetric), CSVFloat(r.TestLoss), CSVFloat(r.TestMetric)}
		for i := range res.Layers {
			v := math.NaN()
			if i < len(r.LayerGradNorms) {
				v = r.LayerGradNorms[i]
			}
			row = append(row, CSVFloat(v))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Read loads a finished run (run.json and history.csv) from dir.
func Read(dir string) (*Result, error) {
	raw, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return nil, err
	}
	res := &Result{Final: NaNFinal()}
	if err := json.Unmarshal(raw, res); err != nil {
		return nil, fmt.Errorf("%s: corrupt run.json: %w", dir, err)
	}
	f, err := os.Open(filepath.Join(dir, HistoryFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt history.csv: %w", dir, err)
	}
	if len(rows) == 0 || len(rows[0]) < len(HistoryColumns) || strings.Join(rows[0][:len(HistoryColumns)], ",") != strings.Join(HistoryColumns, ",") {
		return nil, fmt.Errorf("%s: history.csv has an unexpected header (want %s…)", dir, strings.Join(HistoryColumns[:4], ","))
	}
	if res.Status == "" || res.Spec.Data == nil {
		return nil, fmt.Errorf("%s: run.json has no status or spec: not a finished run", dir)
	}
	// Runs written before the hash carry none; a hash that disagrees means the
	// spec was edited after the run.
	if res.SpecSHA256 != "" && res.SpecSHA256 != writtenSpecHash(raw) {
		return nil, fmt.Errorf("%s: run.json's spec does not match its spec_sha256: edited after the run, so its results are not this spec's", dir)
	}
	parse := func(s string) float64 {
		if s == "" {
			return math.NaN()
		}
		v, _ := strconv.ParseFloat(s, 64)
		return v
	}
	for _, row := range rows[1:] {
		step, _ := strconv.Atoi(row[0])
		ex, _ := strconv.ParseInt(row[2], 10, 64)
		ge, _ := strconv.ParseInt(row[3], 10, 64)
		rec := Record{Step: step, Epoch: parse(row[1]), Examples: ex, GradEvals: ge, WallS: parse(row[4]), LR: parse(row[5]),
			TrainLoss: parse(row[6]), GradNorm: parse(row[7]), UpdateNorm: parse(row[8]), ValLoss: parse(row[9]), ValMetric: parse(row[10]),
			TestLoss: parse(row[11]), TestMetric: parse(row[12])}
		for _, v := range row[len(HistoryColumns):] {
			rec.LayerGradNorms = append(rec.LayerGradNorms, parse(v))
		}
		res.History = append(res.History, rec)
	}
	// Every run logs its last step; a history that stops earlier was cut.
	if n := len(res.History); n == 0 || res.History[n-1].Step != res.Steps {
		last := -1
		if n > 0 {
			last = res.History[n-1].Step
		}
		return nil, fmt.Errorf("%s: history.csv ends at step %d but run.json records %d steps: truncated", dir, last, res.Steps)
	}
	return res, nil
}

// Finished reports whether dir holds a finished run.
func Finished(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, RunFile))
	return err == nil
}
