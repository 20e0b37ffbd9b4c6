package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// loadCSV reads the numeric CSV file of c (resolved: Header and Task set).
// Bad values and missing values are rejected with their line and column; a
// UTF-8 byte-order mark is ignored.
func loadCSV(c CSV) (*Dataset, error) {
	rows, err := readRows(c.Path)
	if err != nil {
		return nil, err
	}
	header, err := hasHeader(c, rows[0])
	if err != nil {
		return nil, err
	}
	cols := len(rows[0])
	if cols < 2 {
		return nil, fmt.Errorf("csv %s: need at least 2 columns (features and a target), found %d", c.Path, cols)
	}
	var names []string
	first := 0
	if header {
		names, first = rows[0], 1
	}
	target, err := targetColumn(c, names, cols)
	if err != nil {
		return nil, err
	}
	task := c.Task
	if task == "" {
		task = Regression
	}
	if task != Regression && task != Classification {
		return nil, fmt.Errorf("csv %s: task=%q must be regression or classification", c.Path, task)
	}
	n := len(rows) - first
	if n == 0 {
		return nil, fmt.Errorf("csv %s: no data rows after the header", c.Path)
	}
	d := &Dataset{Name: "csv", Task: task, N: n, D: cols - 1, Shape: []int{cols - 1}, X: make([]float64, 0, n*(cols-1))}
	targets, err := parseValues(c.Path, rows, first, names, target, d)
	if err != nil {
		return nil, err
	}
	if task == Regression {
		if constant(targets) {
			return nil, fmt.Errorf("csv %s: the target column %s is constant (every value %g): a regression needs a target that varies (R² is undefined); choose another column with target=", c.Path, columnName(names, target), targets[0])
		}
		d.Y, d.T = targets, 1
		return d, nil
	}
	return d, setLabels(c.Path, d, targets, first)
}

// constant reports whether every value equals the first.
func constant(v []float64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

// columnName is the header's name of column i, or its index.
func columnName(names []string, i int) string {
	if i < len(names) {
		return fmt.Sprintf("%q", names[i])
	}
	return fmt.Sprintf("%d", i)
}

// readRows reads every record of the file (at least one).
func readRows(path string) ([][]string, error) {
	src, f, err := openCSV(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(src)
	r.TrimLeadingSpace = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("csv %s: %w", path, err)
		}
		rows = append(rows, rec)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("csv %s: the file is empty", path)
	}
	rows[0][0] = strings.TrimPrefix(rows[0][0], "\uFEFF") // a byte-order mark is not data
	return rows, nil
}

// hasHeader decides whether the first row names the columns: "auto" says
// yes when any of its fields is neither a number nor a missing value, or
// when it numbers three or more columns 0, 1, …, k−1 (the header pandas
// writes for a frame made from an array).
func hasHeader(c CSV, row []string) (bool, error) {
	switch strings.ToLower(c.Header) {
	case "", "auto":
		numbering := true
		for i, v := range row {
			x, ok := number(v)
			if !ok && !isMissing(v) {
				return true, nil
			}
			numbering = numbering && ok && x == float64(i)
		}
		return len(row) >= 3 && numbering, nil
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("csv %s: header=%q must be auto, true or false", c.Path, c.Header)
}

// number parses a CSV field as a decimal number: digits with an optional
// sign, point and exponent, finite in float64. Go's hexadecimal floats
// (0x1p-2), digit separators (1_000), Inf and NaN are not CSV numbers.
func number(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if c := v[i]; !('0' <= c && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(v, 64)
	return x, err == nil && !math.IsInf(x, 0)
}

// targetColumn resolves c.Target (a column name or a 0-based index; empty:
// the last column). A name that several columns carry is refused.
func targetColumn(c CSV, names []string, cols int) (int, error) {
	if c.Target == "" {
		return cols - 1, nil
	}
	var found []int
	for i, n := range names {
		if strings.TrimSpace(n) == c.Target {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return 0, fmt.Errorf("csv %s: target %q names %d columns (indices %v): rename them or give the target's 0-based index", c.Path, c.Target, len(found), found)
	}
	idx, err := strconv.Atoi(c.Target)
	if err != nil || idx < 0 || idx >= cols {
		return 0, fmt.Errorf("csv %s: target %q is neither a column name (%s) nor an index in [0, %d)", c.Path, c.Target, strings.Join(names, ", "), cols)
	}
	return idx, nil
}

// parseValues fills d.X with the features of rows[first:] and returns the
// target column.
func parseValues(path string, rows [][]string, first int, names []string, target int, d *Dataset) ([]float64, error) {
	cols := len(rows[0])
	var targets []float64
	for i, rec := range rows[first:] {
		line := i + first + 1
		if len(rec) != cols {
			return nil, fmt.Errorf("csv %s line %d: %d columns, the first row has %d", path, line, len(rec), cols)
		}
		for j, v := range rec {
			if isMissing(v) {
				return nil, fmt.Errorf("csv %s line %d column %d%s: missing value %q (missing values are not imputed: remove or fill the row)", path, line, j+1, colName(names, j), v)
			}
			x, ok := number(v)
			if !ok {
				return nil, fmt.Errorf("csv %s line %d column %d%s: %q is not a decimal number (such as -1.5e3)", path, line, j+1, colName(names, j), v)
			}
			if j == target {
				targets = append(targets, x)
			} else {
				d.X = append(d.X, x)
			}
		}
	}
	return targets, nil
}

// MaxClassLabel bounds CSV class labels: they are class indices, and a
// float64 holds every integer up to 2⁵³ exactly but 2⁵³ and 2⁵³+1 alike.
const MaxClassLabel = 1<<31 - 1

// setLabels turns integer targets in [0, MaxClassLabel] into labels
// 0..k−1 (classes sorted); a classification needs at least two classes.
func setLabels(path string, d *Dataset, targets []float64, first int) error {
	distinct := map[int]bool{}
	for i, t := range targets {
		if t != math.Trunc(t) || t < 0 || t > MaxClassLabel {
			return fmt.Errorf("csv %s line %d: class label %v must be an integer in [0, %d] (labels name classes; recode larger ones as 0, 1, 2, …)", path, i+first+1, t, MaxClassLabel)
		}
		distinct[int(t)] = true
	}
	if len(distinct) < 2 {
		return fmt.Errorf("csv %s: every row has class label %v: a classification needs at least two classes (choose another target column, or task=regression)", path, targets[0])
	}
	var classes []int
	for k := range distinct {
		classes = append(classes, k)
	}
	sort.Ints(classes)
	index := map[int]int{}
	for i, k := range classes {
		index[k] = i
		d.ClassNames = append(d.ClassNames, strconv.Itoa(k))
	}
	d.Classes = len(classes)
	for _, t := range targets {
		d.Labels = append(d.Labels, index[int(t)])
	}
	return nil
}

func isMissing(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "na", "nan", "null", "?":
		return true
	}
	return false
}

func colName(names []string, j int) string {
	if j < len(names) {
		return fmt.Sprintf(" (%q)", strings.TrimSpace(names[j]))
	}
	return ""
}
