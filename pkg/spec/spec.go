// Package spec parses the one grammar bgdlab uses to name things on command
// lines and in configs: "name" or "name:key=value,key=value", as in
// "adam:lr=1e-3,beta1=0.9" or "fashion-mnist:subset=10000".
package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Spec is a parsed "name:key=value,..." string. Keys keep their order of
// appearance in Keys; Values maps each key to its raw text.
type Spec struct {
	Name   string
	Keys   []string
	Values map[string]string
}

// Parse splits s into a name and key=value pairs. Empty names, pairs without
// "=", empty keys and repeated keys are errors.
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	name, rest, hasRest := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	sp := Spec{Name: name, Values: map[string]string{}}
	if name == "" {
		return sp, fmt.Errorf("spec %q: missing name (want name or name:key=value,...)", s)
	}
	if !hasRest || strings.TrimSpace(rest) == "" {
		return sp, nil
	}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return sp, fmt.Errorf("spec %q: %q is not key=value", s, part)
		}
		if _, dup := sp.Values[k]; dup {
			return sp, fmt.Errorf("spec %q: key %q given twice", s, k)
		}
		sp.Keys = append(sp.Keys, k)
		sp.Values[k] = v
	}
	return sp, nil
}

// String formats the spec back, keys in order of appearance.
func (s Spec) String() string {
	if len(s.Keys) == 0 {
		return s.Name
	}
	parts := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		parts[i] = k + "=" + s.Values[k]
	}
	return s.Name + ":" + strings.Join(parts, ",")
}

// Float parses a value as a finite float64.
func Float(key, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s=%q is not a finite number", key, v)
	}
	return f, nil
}

// Int parses a value as an integer.
func Int(key, v string) (int, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s=%q is not an integer", key, v)
	}
	return int(f), nil
}

// Bool parses true/false/1/0/yes/no.
func Bool(key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s=%q is not a boolean (true/false)", key, v)
}

// Unknown returns an error naming the first key of s not in known, listing
// the valid keys in known's order; nil if all are known.
func Unknown(s Spec, what string, known []string) error {
	set := map[string]bool{}
	for _, k := range known {
		set[k] = true
	}
	for _, k := range s.Keys {
		if !set[k] {
			return fmt.Errorf("%s %s: unknown parameter %q (valid: %s)", what, s.Name, k, strings.Join(known, ", "))
		}
	}
	return nil
}
