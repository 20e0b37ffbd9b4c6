package experiment

// Reusing finished runs (one rule for resumed sweeps and the lab cache) and
// sweep.json, the record of a sweep's config.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
	"github.com/bgdlab/bgdlab/pkg/data"
)

// reusable returns the finished run in dir when it is complete, in this
// bgdlab's result format and of exactly the spec p asks for; otherwise nil
// and why it must be redone.
func reusable(dir string, p Plan) (*Result, string) {
	res, err := Read(dir)
	switch {
	case err != nil:
		return nil, err.Error()
	case res.Format != ResultFormat:
		return nil, fmt.Sprintf("written in result format %d, this bgdlab writes %d", res.Format, ResultFormat)
	}
	if diff := specDiff(res.Spec, p.Spec.WithDefaults()); diff != "" {
		return nil, "its run.json records a different experiment (" + diff + ")"
	}
	if now, err := dataFingerprint(p.Spec.Data); err != nil {
		return nil, "its data cannot be read now: " + err.Error()
	} else if now != res.DataSHA256 && res.DataSHA256 == "" {
		return nil, "its run.json records no hash of its data files (written before bgdlab kept one)"
	} else if now != res.DataSHA256 {
		return nil, fmt.Sprintf("its data files changed since it ran (data_sha256 %.12s → %.12s)", res.DataSHA256, now)
	}
	return res, ""
}

// dataFingerprint is data.Fingerprint of a data spec ("" when the spec
// does not parse: Run reports that).
func dataFingerprint(dataSpec string) (string, error) {
	c, err := data.Parse(dataSpec)
	if err != nil {
		return "", nil
	}
	return data.Fingerprint(c)
}

// specDiff lists the spec fields (run.json keys) where a and b differ, as
// key: old → new; empty when they are equal.
func specDiff(a, b Spec) string {
	var ma, mb map[string]any
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	json.Unmarshal(ra, &ma)
	json.Unmarshal(rb, &mb)
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if !reflect.DeepEqual(ma[k], mb[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: %v → %v", k, ma[k], mb[k]))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

// sweepRecord is sweep.json: the sweep's config, the result format of its
// runs and the config's hash (SHA-256 of the config's JSON), by which merge
// tells shards of one sweep from another's.
type sweepRecord struct {
	*SweepConfig
	Format       int    `json:"format"`
	ConfigSHA256 string `json:"config_sha256"`
}

func writeSweepRecord(out string, c *SweepConfig) error {
	raw, _ := json.MarshalIndent(sweepRecord{c, ResultFormat, jsonSHA256(c)}, "", "  ")
	return atomicfile.Write(filepath.Join(out, "sweep.json"), append(raw, '\n'))
}

// CheckSweepFolder refuses an output folder that holds another sweep: its
// sweep.json names another sweep (a config edited between launches keeps
// its name, and the resume redoes the runs it changed). A folder without
// sweep.json passes.
func CheckSweepFolder(out string, c *SweepConfig) error {
	raw, err := os.ReadFile(filepath.Join(out, "sweep.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	old, _, err := readSweepRecord(raw)
	if err != nil {
		return fmt.Errorf("%s/sweep.json: %w", out, err)
	}
	if old.Name != c.Name {
		return fmt.Errorf("%s holds another sweep (%q; this config is %q): give --out a new folder, or run that sweep's config to resume it", out, old.Name, c.Name)
	}
	return nil
}

// readSweepRecord decodes sweep.json and returns the config and its hash,
// refusing a record whose hash does not match its config (edited by hand).
// Records from before the hash get it computed.
func readSweepRecord(raw []byte) (*SweepConfig, string, error) {
	rec := sweepRecord{SweepConfig: &SweepConfig{}}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, "", err
	}
	hash := jsonSHA256(rec.SweepConfig)
	if rec.ConfigSHA256 != "" && rec.ConfigSHA256 != hash {
		return nil, "", fmt.Errorf("the config does not match its config_sha256: edited after the sweep ran")
	}
	if rec.Format != 0 && rec.Format != ResultFormat {
		return nil, "", fmt.Errorf("written by a bgdlab of result format %d, this one reads %d: rerun the sweep", rec.Format, ResultFormat)
	}
	return rec.SweepConfig, hash, nil
}
