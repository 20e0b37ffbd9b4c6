package sweep

// sweep.json, the record of a sweep's config.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// sweepRecord is sweep.json: the sweep's config, the result format of its
// runs and the config's hash (SHA-256 of the config's JSON), by which merge
// tells shards of one sweep from another's.
type sweepRecord struct {
	*Config
	Format       int    `json:"format"`
	ConfigSHA256 string `json:"config_sha256"`
}

func writeSweepRecord(out string, c *Config) error {
	raw, _ := json.MarshalIndent(sweepRecord{c, experiment.ResultFormat, experiment.HashJSON(c)}, "", "  ")
	return atomicfile.Write(filepath.Join(out, "sweep.json"), append(raw, '\n'))
}

// CheckFolder refuses an output folder that holds another sweep: its
// sweep.json names another sweep (a config edited between launches keeps
// its name, and the resume redoes the runs it changed). A folder without
// sweep.json passes.
func CheckFolder(out string, c *Config) error {
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
func readSweepRecord(raw []byte) (*Config, string, error) {
	rec := sweepRecord{Config: &Config{}}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, "", err
	}
	hash := writtenConfigHash(raw)
	if rec.ConfigSHA256 != "" && rec.ConfigSHA256 != hash {
		return nil, "", fmt.Errorf("the config does not match its config_sha256: edited after the sweep ran")
	}
	if rec.Format != 0 && rec.Format != experiment.ResultFormat {
		return nil, "", fmt.Errorf("written by a bgdlab of result format %d, this one reads %d: rerun the sweep", rec.Format, experiment.ResultFormat)
	}
	return rec.Config, hash, nil
}

// writtenConfigHash is experiment.HashJSON of the config as sweep.json
// holds it: its fields re-encoded in Config's order from the text as
// written, not re-parsed. A sweep written by an older bgdlab, whose base
// spec text is not today's canonical form, still matches its own hash.
func writtenConfigHash(raw []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		v, ok := fields[name]
		if !ok {
			continue
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		buf.Write(key)
		buf.WriteByte(':')
		if json.Compact(&buf, v) != nil {
			return ""
		}
	}
	buf.WriteByte('}')
	return experiment.HashJSON(json.RawMessage(buf.Bytes()))
}
