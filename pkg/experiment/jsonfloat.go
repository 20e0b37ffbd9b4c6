package experiment

import (
	"encoding/json"
	"fmt"
	"math"
)

// Float is a float64 that survives JSON when it is not finite: JSON has no
// NaN or ±Inf, so run.json writes them as the strings "NaN", "+Inf" and
// "-Inf" and reads them back (numbers and null read as usual; null is NaN).
// Final keeps writing null for what was not measured.
type Float float64

// MarshalJSON writes a finite value as a number, others as their string.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads a number, null (NaN) or one of the three strings.
func (f *Float) UnmarshalJSON(raw []byte) error {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = Float(math.NaN())
		case "+Inf", "Inf":
			*f = Float(math.Inf(1))
		case "-Inf":
			*f = Float(math.Inf(-1))
		default:
			return fmt.Errorf("%q is not a number (numbers that are not finite are written \"NaN\", \"+Inf\" or \"-Inf\")", s)
		}
		return nil
	}
	var v *float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	if v == nil {
		*f = Float(math.NaN())
	} else {
		*f = Float(*v)
	}
	return nil
}

// Floats is a map of named values written with Float's rule.
type Floats map[string]float64

// MarshalJSON writes each value as a Float.
func (m Floats) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	out := make(map[string]Float, len(m))
	for k, v := range m {
		out[k] = Float(v)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads each value as a Float.
func (m *Floats) UnmarshalJSON(raw []byte) error {
	var in map[string]Float
	if err := json.Unmarshal(raw, &in); err != nil {
		return err
	}
	if in == nil {
		*m = nil
		return nil
	}
	*m = make(Floats, len(in))
	for k, v := range in {
		(*m)[k] = float64(v)
	}
	return nil
}
