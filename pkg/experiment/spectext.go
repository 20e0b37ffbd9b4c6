package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"gopkg.in/yaml.v3"
)

// A Spec on disk (run.json's "spec", a sweep config's "base") and on the
// command line writes its data, model, optimizer, schedule and batch in the
// name:key=value grammar; the other fields as they are. specText is that
// form: the five grammar fields as text, the rest inlined from the Spec.
type specText struct {
	Data      string `json:"data" yaml:"data"`
	Model     string `json:"model" yaml:"model"`
	Optimizer string `json:"optimizer" yaml:"optimizer"`
	Schedule  string `json:"schedule,omitempty" yaml:"schedule,omitempty"`
	Batch     string `json:"batch" yaml:"batch"`
	specPlain `yaml:",inline"`
}

// specPlain is Spec without its methods (its grammar fields are tagged "-").
type specPlain Spec

// GrammarParts are the Spec fields written in the name:key=value grammar,
// by their run.json keys.
var GrammarParts = []string{"data", "model", "optimizer", "schedule", "batch"}

// SetPart parses text into the grammar field part (data, model, optimizer,
// schedule or batch), with an error naming the part; empty text clears it.
func (s *Spec) SetPart(part, text string) error {
	text = strings.TrimSpace(text)
	var err error
	switch part {
	case "data":
		s.Data = nil
		if text != "" {
			s.Data, err = data.Parse(text)
		}
	case "model":
		s.Model = nil
		if text != "" {
			s.Model, err = models.Parse(text)
		}
	case "optimizer":
		s.Optimizer = nil
		if text != "" {
			s.Optimizer, err = optim.Parse(text)
		}
	case "schedule":
		s.Schedule = optim.Schedule{}
		if text != "" {
			s.Schedule, err = optim.ParseSchedule(text)
		}
	case "batch":
		s.Batch = data.Regime{}
		if text != "" {
			s.Batch, err = data.ParseRegime(text)
		}
	default:
		return fmt.Errorf("spec: %q is not one of %s", part, strings.Join(GrammarParts, ", "))
	}
	if err != nil {
		return fmt.Errorf("spec %s: %w", part, err)
	}
	return nil
}

// Part returns the grammar field part as text ("" when unset).
func (s Spec) Part(part string) string {
	switch part {
	case "data":
		if s.Data != nil {
			return s.Data.String()
		}
	case "model":
		if s.Model != nil {
			return s.Model.String()
		}
	case "optimizer":
		if s.Optimizer != nil {
			return s.Optimizer.String()
		}
	case "schedule":
		if s.Schedule.Kind != "" {
			return s.Schedule.String()
		}
	case "batch":
		if s.Batch.Kind != "" {
			return s.Batch.String()
		}
	}
	return ""
}

func (s Spec) text() specText {
	return specText{Data: s.Part("data"), Model: s.Part("model"), Optimizer: s.Part("optimizer"),
		Schedule: s.Part("schedule"), Batch: s.Part("batch"), specPlain: specPlain(s)}
}

func (s *Spec) fromText(t specText) error {
	*s = Spec(t.specPlain)
	for _, p := range []struct{ part, text string }{{"data", t.Data}, {"model", t.Model}, {"optimizer", t.Optimizer}, {"schedule", t.Schedule}, {"batch", t.Batch}} {
		if err := s.SetPart(p.part, p.text); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes the spec with its grammar fields as text.
func (s Spec) MarshalJSON() ([]byte, error) { return json.Marshal(s.text()) }

// UnmarshalJSON reads the text form; unknown keys are errors.
func (s *Spec) UnmarshalJSON(raw []byte) error {
	var t specText
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return err
	}
	return s.fromText(t)
}

// MarshalYAML writes the spec with its grammar fields as text.
func (s Spec) MarshalYAML() (any, error) { return s.text(), nil }

// UnmarshalYAML reads the text form; unknown keys are errors.
func (s *Spec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		known := yamlKeys(reflect.TypeOf(specText{}))
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; !known[k] {
				return fmt.Errorf("line %d: field %s not found in the spec", n.Content[i].Line, k)
			}
		}
	}
	var t specText
	if err := n.Decode(&t); err != nil {
		return err
	}
	return s.fromText(t)
}

// yamlKeys lists a struct's YAML keys, inlined structs included.
func yamlKeys(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-":
		case strings.Contains(opts, "inline"):
			for k := range yamlKeys(f.Type) {
				out[k] = true
			}
		case name != "":
			out[name] = true
		}
	}
	return out
}

// writtenSpecHash is SpecHash of the spec as run.json writes it, its grammar
// fields as text verbatim (not re-parsed): a run written by an older bgdlab,
// whose text is not today's canonical form, still matches its own hash.
func writtenSpecHash(runJSON []byte) string {
	var rec struct {
		Spec json.RawMessage `json:"spec"`
	}
	var t specText
	if json.Unmarshal(runJSON, &rec) != nil || json.Unmarshal(rec.Spec, &t) != nil {
		return ""
	}
	return HashJSON(t)
}
