package spec

import "testing"

// FuzzParse: any string parses or fails cleanly; a parsed spec formats to a
// string that parses back to the same spec (the grammar round-trips), and a
// value never smuggles in a second key.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"gd", "gd:lr=0.1", "adam:lr=1e-3,beta1=0.9", "mlp:hidden=256x128", "gd:lr=0.01,weight_decay=0.5", ":", "gd:lr", "gd:=1", "gd:lr=1,lr=2", " gd : lr = 1 , ", "a:b=c=d", "x:,,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := Parse(s)
		if err != nil {
			return
		}
		if len(sp.Keys) != len(sp.Values) {
			t.Fatalf("%q: keys %v, values %v", s, sp.Keys, sp.Values)
		}
		back, err := Parse(sp.String())
		if err != nil {
			t.Fatalf("%q formats as %q, which does not parse: %v", s, sp.String(), err)
		}
		if back.String() != sp.String() || len(back.Keys) != len(sp.Keys) {
			t.Fatalf("%q → %q → %q", s, sp.String(), back.String())
		}
	})
}
