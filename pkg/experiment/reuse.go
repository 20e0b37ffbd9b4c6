package experiment

// Reusing finished runs: one rule for resumed sweeps (pkg/sweep) and the
// lab cache (Cached).

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
)

// Reusable returns the finished run in dir when it is complete, in this
// bgdlab's result format and of exactly the spec s asks for, on the same
// data files; otherwise nil and why it must be redone.
func Reusable(dir string, s Spec) (*Result, string) {
	res, err := Read(dir)
	switch {
	case err != nil:
		return nil, err.Error()
	case res.Format != ResultFormat:
		return nil, fmt.Sprintf("written in result format %d, this bgdlab writes %d", res.Format, ResultFormat)
	}
	if diff := SpecDiff(res.Spec, s.WithDefaults()); diff != "" {
		return nil, "its run.json records a different experiment (" + diff + ")"
	}
	if now, err := dataFingerprint(s.Data); err != nil {
		return nil, "its data cannot be read now: " + err.Error()
	} else if now != res.DataSHA256 && res.DataSHA256 == "" {
		return nil, "its run.json records no hash of its data files (written before bgdlab kept one)"
	} else if now != res.DataSHA256 {
		return nil, fmt.Sprintf("its data files changed since it ran (data_sha256 %.12s → %.12s)", res.DataSHA256, now)
	}
	return res, ""
}

// dataFingerprint is data.Fingerprint of a data set ("" when none is set:
// Run reports that).
func dataFingerprint(c data.Config) (string, error) {
	if c == nil {
		return "", nil
	}
	return data.Fingerprint(c)
}

// SpecDiff lists the spec fields (run.json keys) where a and b differ, as
// key: old → new; empty when they are equal.
func SpecDiff(a, b Spec) string {
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
