package data_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bgdlab/bgdlab/internal/idxtest"
	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/data"
	"gonum.org/v1/gonum/mat"
)

func TestSyntheticLinearHasExactConditionNumber(t *testing.T) {
	for _, tc := range []struct {
		n, d  int
		kappa float64
	}{
		{500, 8, 1}, {500, 8, 10}, {500, 8, 1000},
		// Large n, small d: an n×n orthogonal factor would need 28.8 GB.
		{60000, 3, 100},
	} {
		kappa := tc.kappa
		s, err := data.Load(fmt.Sprintf("synthetic-linear:n=%d,d=%d,kappa=%s", tc.n, tc.d, ftoa(kappa)))
		if err != nil {
			t.Fatal(err)
		}
		d := s.Train
		cov := secondMoment(d)
		var eig mat.EigenSym
		eig.Factorize(cov, false)
		vals := eig.Values(nil)
		if math.Abs(vals[0]-1) > 1e-9 || math.Abs(vals[len(vals)-1]-kappa) > 1e-9*kappa {
			t.Errorf("κ=%g: eigenvalues of XᵀX/n span [%g, %g], want [1, %g]", kappa, vals[0], vals[len(vals)-1], kappa)
		}
		for j := 0; j < d.D; j++ {
			var m float64
			for i := 0; i < d.N; i++ {
				m += d.X[i*d.D+j]
			}
			if math.Abs(m/float64(d.N)) > 1e-9 {
				t.Errorf("feature %d has mean %g, want 0", j, m/float64(d.N))
			}
		}
		if s.Info["L"] != 2*kappa || s.Info["mu"] != 2 {
			t.Errorf("Info L=%g mu=%g", s.Info["L"], s.Info["mu"])
		}
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func TestDeterminismAndShapes(t *testing.T) {
	for _, s := range []string{"synthetic-linear:n=100,d=3", "blobs:n=200,d=5", "moons:n=100", "spirals:n=100", "textbook"} {
		a, err := data.Load(s)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := data.Load(s)
		if !reflect.DeepEqual(a.Train, b.Train) || !reflect.DeepEqual(a.Test, b.Test) {
			t.Errorf("%s: two loads differ", s)
		}
		c, _ := data.Load(s + map[bool]string{true: ":seed=2", false: ",seed=2"}[!strings.Contains(s, ":")])
		if s != "textbook" && reflect.DeepEqual(a.Train.X, c.Train.X) {
			t.Errorf("%s: seed has no effect", s)
		}
		total := a.Train.N
		if a.Val != nil {
			total += a.Val.N
		}
		if a.Test != nil {
			total += a.Test.N
		}
		if want := map[string]int{"textbook": 5}[s]; want != 0 && total != want {
			t.Errorf("%s: %d examples", s, total)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"nosuch", `unknown dataset "nosuch": valid datasets are blobs, csv, detection, fashion-mnist, localization, moons, spirals, synthetic-linear, textbook`},
		{"synthetic-linear:kappa=0.5", "kappa=0.5 must be ≥ 1"},
		{"synthetic-linear:n=3,d=5", "more training examples than features"},
		{"synthetic-linear:bogus=1", `unknown parameter "bogus"`},
		{"blobs:n=abc", `n="abc" is not an integer`},
		{"synthetic-linear:n=1e15", "n × features = 2e+16 values would need 1.6e+08 GB; the limit is 1073741824 values"},
		{"blobs:d=100000000", "n × features = 1e+11 values"},
		{"localization:n=100000000", "n × features = 2.56e+10 values"},
		{"moons:n=0", "moons: n=0 must be ≥ 4 (field Moons.N)"},
		{"blobs:val=0.6,test=0.5", "sum to less than 1"},
		{"csv", "path=FILE is required"},
		{"csv:path=/nonexistent.csv", "no such file"},
		{"fashion-mnist:dir=/nonexistent", "folder /nonexistent does not exist: install the data with 'apt-get install dataset-fashion-mnist'"},
	}
	for _, tc := range tests {
		_, err := data.Load(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q) = %v, want error containing %q", tc.spec, err, tc.want)
		}
	}
}

// writeIDX writes an unsigned-byte IDX file (optionally gzipped).
func writeIDX(t *testing.T, path string, magic uint32, dims []uint32, payload []byte, gz bool) {
	t.Helper()
	raw := idxtest.WithMagic(magic, dims, payload)
	if gz {
		raw = idxtest.Gzip(raw)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeFashion writes a tiny valid Fashion-MNIST folder with n train and m test images.
func fakeFashion(t *testing.T, n, m int, gz bool) string {
	dir := t.TempDir()
	ext := ""
	if gz {
		ext = ".gz"
	}
	for _, part := range []struct {
		prefix string
		count  int
	}{{"train", n}, {"t10k", m}} {
		pix := make([]byte, part.count*4*4)
		for i := range pix {
			pix[i] = byte(i % 256)
		}
		lbl := make([]byte, part.count)
		for i := range lbl {
			lbl[i] = byte(i % 10)
		}
		writeIDX(t, filepath.Join(dir, part.prefix+"-images-idx3-ubyte"+ext), 0x803, []uint32{uint32(part.count), 4, 4}, pix, gz)
		writeIDX(t, filepath.Join(dir, part.prefix+"-labels-idx1-ubyte"+ext), 0x801, []uint32{uint32(part.count)}, lbl, gz)
	}
	return dir
}

func TestFashionMNISTReader(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := fakeFashion(t, 100, 30, gz)
		s, err := data.Load("fashion-mnist:dir=" + dir + ",val=20,subset=50,seed=3")
		if err != nil {
			t.Fatal(err)
		}
		if s.Train.N != 30 || s.Val.N != 20 || s.Test.N != 30 || s.Train.D != 16 || !reflect.DeepEqual(s.Train.Shape, []int{4, 4, 1}) {
			t.Fatalf("gz=%v: train %d val %d test %d D %d shape %v", gz, s.Train.N, s.Val.N, s.Test.N, s.Train.D, s.Train.Shape)
		}
		counts := make([]int, 10)
		for _, l := range s.Val.Labels {
			counts[l]++
		}
		for c, k := range counts {
			if k != 2 {
				t.Errorf("stratified val: class %d has %d of 20", c, k)
			}
		}
		for _, v := range s.Train.X {
			if v < 0 || v > 1 {
				t.Fatalf("pixel %g outside [0,1]", v)
			}
		}
	}
}

func TestFashionMNISTCorruptFiles(t *testing.T) {
	tests := []struct {
		name string
		mod  func(t *testing.T, dir string)
		want string
	}{
		{"missing labels", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "train-labels-idx1-ubyte")) }, "train-labels-idx1-ubyte[.gz] is missing"},
		{"bad magic", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), 0x12345678, []uint32{10, 4, 4}, make([]byte, 160), false)
		}, "bad IDX magic 0x12345678"},
		{"truncated", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), 0x803, []uint32{10, 4, 4}, make([]byte, 100), false)
		}, "truncated: header promises 160 bytes"},
		{"count mismatch", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), 0x801, []uint32{9}, make([]byte, 9), false)
		}, "10 images in train-images-idx3-ubyte but 9 labels"},
		{"bad label", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), 0x801, []uint32{10}, bytes.Repeat([]byte{42}, 10), false)
		}, "label 42 of example 0"},
		{"corrupt gzip", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), []byte{0x1f, 0x8b, 1, 2, 3}, 0o644)
		}, "t10k-labels-idx1-ubyte"},
		{"dimensions overflowing int", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), 0x804, []uint32{1 << 31, 1 << 31, 1 << 31, 1 << 31}, nil, false)
		}, "over 2³¹ bytes"},
		{"trailing bytes", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), 0x803, []uint32{10, 4, 4}, make([]byte, 170), false)
		}, "10 bytes after the 160 the header promises"},
		{"gzip with a bad CRC", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "train-labels-idx1-ubyte")
			writeIDX(t, path, 0x801, []uint32{10}, make([]byte, 10), true)
			raw, _ := os.ReadFile(path)
			raw[len(raw)-8] ^= 0xff // the CRC-32 in gzip's trailer
			os.WriteFile(path, raw, 0o644)
		}, "checksum"},
		// Issue 29: test images of another shape than the training images
		// were accepted (14×56 by softmax) or crashed in GoMLX (14×14).
		{"test images of another shape", func(t *testing.T, dir string) {
			writeIDX(t, filepath.Join(dir, "t10k-images-idx3-ubyte"), 0x803, []uint32{10, 2, 8}, make([]byte, 160), false)
		}, "the test images are 2×8 but the training images 4×4"},
		{"a FIFO for the labels", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "train-labels-idx1-ubyte")
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip(err)
			}
		}, "is not a regular file (it is a named pipe)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := fakeFashion(t, 10, 10, false)
			tc.mod(t, dir)
			_, err := data.Load("fashion-mnist:dir=" + dir + ",val=0")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestRealFashionMNISTIfInstalled(t *testing.T) {
	if _, err := os.Stat(data.FashionMNISTDefaultDir); err != nil {
		testenv.Missing(t, "Fashion-MNIST", "apt-get install dataset-fashion-mnist (scripts/setup does)")
	}
	s, err := data.Load("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 55000 || s.Val.N != 5000 || s.Test.N != 10000 || s.Train.D != 784 {
		t.Fatalf("train %d val %d test %d D %d", s.Train.N, s.Val.N, s.Test.N, s.Train.D)
	}
}

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	good := write("good.csv", "a,b,y\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n")
	s, err := data.Load("csv:path=" + good + ",target=a,val=0,test=0,standardize=false")
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.D != 2 || s.Train.Y[0] != 1 || s.Train.X[0] != 2 || s.Train.X[1] != 3 {
		t.Fatalf("target=a: D=%d Y=%v X=%v", s.Train.D, s.Train.Y, s.Train.X[:2])
	}
	std, _ := data.Load("csv:path=" + good + ",val=0.2,test=0.2")
	var m float64
	for i := 0; i < std.Train.N; i++ {
		m += std.Train.X[i*2]
	}
	if math.Abs(m) > 1e-9 {
		t.Errorf("standardized train feature has mean %g", m/float64(std.Train.N))
	}
	tests := []struct{ body, spec, want string }{
		{"a,b\n1,2\n3,x\n", "", `line 3 column 2 ("b"): "x" is not a decimal number`},
		{"a,b\n1,2\n3,\n", "", `line 3 column 2 ("b"): missing value ""`},
		{"1,2\n3,NA\n", "", `line 2 column 2: missing value "NA"`},
		{"a,b\n1,2\n3\n", "", "wrong number of fields"},
		{"a,b\n1,2\n", ",target=zz", `target "zz" is neither a column name`},
		{"", "", "the file is empty"},
		{"a,b\n1,2.5\n", ",task=classification", "class label 2.5 must be an integer"},
		{"y,b,y\n1,2,3\n", ",target=y", `target "y" names 2 columns (indices [0 2])`},
		{"a,y\n1,3\n2,3\n4,3\n", "", `the target column "y" is constant (every value 3)`},
		// Issue 29, class 5: labels past 2³¹ (2⁵³ and 2⁵³+1 read as one
		// float64), one class, Go-only number syntax.
		{"a,y\n1,9007199254740992\n2,9007199254740993\n", ",task=classification", "must be an integer in [0, 2147483647]"},
		{"a,y\n1,1e300\n2,1e301\n", ",task=classification", "must be an integer in [0, 2147483647]"},
		{"a,y\n1,4\n2,4\n3,4\n", ",task=classification", "a classification needs at least two classes"},
		{"a,y\n0x1p-2,1\n2,3\n", "", `"0x1p-2" is not a decimal number`},
		{"a,y\n1_000,1\n2,3\n", "", `"1_000" is not a decimal number`},
		{"a,y\n1,Infinity\n2,3\n", "", `"Infinity" is not a decimal number`},
		// Class 8: UTF-16 text and binary data are named, not misread.
		{"\xff\xfea\x00,\x00y\x00\n\x00", "", "NUL: this is not a text CSV; UTF-16 text"},
	}
	for i, tc := range tests {
		p := write("bad"+string(rune('a'+i))+".csv", tc.body)
		_, err := data.Load("csv:path=" + p + ",val=0,test=0" + tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("csv %q: error %v, want %q", tc.body, err, tc.want)
		}
	}
}

// A byte-order mark before a header-less first row is not data: the first
// example survives and parses.
func TestCSVByteOrderMark(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bom.csv")
	os.WriteFile(p, []byte("\uFEFF1,2\n3,4\n5,6\n"), 0o644)
	s, err := data.CSV{Path: p, Holdout: data.NoHoldout, NoStandardize: true}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 3 || s.Train.X[0] != 1 || s.Train.Y[0] != 2 {
		t.Fatalf("N=%d X=%v Y=%v; want 3 rows starting (1, 2)", s.Train.N, s.Train.X, s.Train.Y)
	}
}

// A first row numbering the columns 0, 1, …, k−1 (pandas' header for an
// array) is a header; lone CR line ends are line ends; features near
// ±1.8e308 standardize to finite values (they gave NaN).
func TestCSVEdges(t *testing.T) {
	dir := t.TempDir()
	load := func(body, spec string) data.Splits {
		t.Helper()
		p := filepath.Join(dir, "e.csv")
		os.WriteFile(p, []byte(body), 0o644)
		s, err := data.Load("csv:path=" + p + ",val=0,test=0" + spec)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := load("0,1,2\n1,2,3\n4,5,6\n7,8,9\n", ",standardize=false"); s.Train.N != 3 || s.Train.X[0] != 1 {
		t.Errorf("pandas header 0,1,2: N=%d X=%v, want 3 rows starting 1", s.Train.N, s.Train.X)
	}
	if s := load("a,b,y\r1,2,3\r4,5,6\r7,8,10\r", ",standardize=false"); s.Train.N != 3 || s.Train.Y[2] != 10 {
		t.Errorf("CR line ends: N=%d Y=%v, want 3 rows, last target 10", s.Train.N, s.Train.Y)
	}
	s := load("a,b,y\n1e308,1,1\n-1e308,2,2\n1e308,3,4\n-1e308,4,3\n", "")
	for i := 0; i < s.Train.N; i++ {
		if x := s.Train.X[2*i]; math.Abs(math.Abs(x)-1) > 1e-12 {
			t.Errorf("±1e308 feature standardized to %g, want ±1", x)
		}
	}
}

// Non-regular files (a device, a FIFO) are refused before a byte is read.
func TestCSVNotRegular(t *testing.T) {
	for _, p := range []string{"/dev/zero", t.TempDir()} {
		_, err := data.Load("csv:path=" + p)
		if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
			t.Errorf("csv %s: error %v, want \"is not a regular file\"", p, err)
		}
	}
}

func TestBatcher(t *testing.T) {
	r, err := data.ParseRegime("mini:size=4")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := data.NewBatcher(r, 10, 1)
	seen := map[int]int{}
	sizes := []int{}
	for k := 0; k < 3; k++ {
		idx := b.Next()
		sizes = append(sizes, len(idx))
		for _, i := range idx {
			seen[i]++
		}
	}
	if !reflect.DeepEqual(sizes, []int{4, 4, 2}) || len(seen) != 10 || b.Epochs() != 1 || b.StepsPerEpoch() != 3 {
		t.Fatalf("one epoch of 10 in batches of 4: sizes %v, %d distinct, %g epochs", sizes, len(seen), b.Epochs())
	}
	b2, _ := data.NewBatcher(r, 10, 1)
	b3, _ := data.NewBatcher(r, 10, 2)
	a1, a2, a3 := b2.Next(), b2.Next(), b3.Next()
	_ = a2
	b1, _ := data.NewBatcher(r, 10, 1)
	if !reflect.DeepEqual(a1, b1.Next()) || reflect.DeepEqual(a1, a3) {
		t.Error("batch order must depend only on the seed")
	}
	dl, _ := data.ParseRegime("mini:size=4,drop_last=true")
	b4, _ := data.NewBatcher(dl, 10, 1)
	for k := 0; k < 5; k++ {
		if n := len(b4.Next()); n != 4 {
			t.Fatalf("drop_last: batch of %d", n)
		}
	}
	full, _ := data.ParseRegime("full")
	bf, _ := data.NewBatcher(full, 10, 1)
	if bf.Next() != nil || bf.Examples() != 10 || bf.Size() != 10 {
		t.Error("full batch")
	}
	for _, bad := range []string{"0", "-3", "mini", "mini:size=0", "huge", "mini:size=4,shuffle=1"} {
		if _, err := data.ParseRegime(bad); err == nil {
			t.Errorf("ParseRegime(%q) accepted", bad)
		}
	}
	if _, err := data.NewBatcher(data.Regime{Kind: "mini", Size: 11}, 10, 1); err == nil || !strings.Contains(err.Error(), "larger than the 10 training examples") {
		t.Errorf("batch > n: %v", err)
	}
}

func TestFunctions2DMinima(t *testing.T) {
	for name, f := range data.Functions2D() {
		for _, m := range f.Minima {
			h := 1e-5
			gx := (f.F(m[0]+h, m[1]) - f.F(m[0]-h, m[1])) / (2 * h)
			gy := (f.F(m[0], m[1]+h) - f.F(m[0], m[1]-h)) / (2 * h)
			if math.Hypot(gx, gy) > 1e-3 {
				t.Errorf("%s: gradient at listed minimum %v is (%g, %g)", name, m, gx, gy)
			}
		}
	}
}

// secondMoment is XᵀX/n of d's features.
func secondMoment(d *data.Dataset) *mat.SymDense {
	var cov mat.SymDense
	cov.SymOuterK(1/float64(d.N), mat.NewDense(d.N, d.D, d.X).T())
	return &cov
}

// TestSyntheticLinearAligned: with aligned=true, XᵀX/n is diagonal with the
// geometric spectrum on its diagonal (badly scaled, uncorrelated features).
func TestSyntheticLinearAligned(t *testing.T) {
	s, err := data.Load(data.SyntheticLinear{N: 300, D: 4, Kappa: 1000, Aligned: true, Holdout: data.NoHoldout}.String())
	if err != nil {
		t.Fatal(err)
	}
	d := s.Train
	cov := secondMoment(d)
	for i := range d.D {
		for j := range d.D {
			want := 0.0
			if i == j {
				want = math.Pow(1000, float64(i)/3)
			}
			if math.Abs(cov.At(i, j)-want) > 1e-9*math.Max(1, want) {
				t.Errorf("XᵀX/n[%d,%d] = %g, want %g", i, j, cov.At(i, j), want)
			}
		}
	}
}

// TestDetectionImages checks the detection generator: every image has 1 to
// MaxObjects objects, at most one per cell and centred in its cell, boxes
// inside the image and not overlapping, classes in range; the pixels inside
// a box are brighter than the background; the same seed gives the same data.
func TestDetectionImages(t *testing.T) {
	const n, size, grid, maxObj = 200, 32, 4, 4
	d, err := data.DetectionImages(n, size, grid, maxObj, 0.1, 3)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[int]int{}
	for i := 0; i < n; i++ {
		y := d.Y[i*d.T : (i+1)*d.T]
		var boxes [][4]float64
		for cell := 0; cell < grid*grid; cell++ {
			v := y[cell*data.DetectionCell : (cell+1)*data.DetectionCell]
			if v[0] == 0 {
				continue
			}
			b := [4]float64{v[2], v[3], v[4], v[5]}
			cx, cy := (b[0]+b[2])/2, (b[1]+b[3])/2
			if int(cy*grid)*grid+int(cx*grid) != cell || b[0] < 0 || b[1] < 0 || b[2] > 1 || b[3] > 1 || v[1] < 0 || v[1] > 2 {
				t.Fatalf("image %d cell %d: %v is not an object centred in its cell, inside the image, of a valid class", i, cell, v)
			}
			for _, o := range boxes {
				if b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3] {
					t.Fatalf("image %d: boxes %v and %v overlap", i, b, o)
				}
			}
			boxes = append(boxes, b)
			var in float64
			px := 0
			for r := int(b[1]*size) + 1; r < int(b[3]*size); r++ {
				for c := int(b[0]*size) + 1; c < int(b[2]*size); c++ {
					in += d.X[i*d.D+r*size+c]
					px++
				}
			}
			if px > 0 && in/float64(px) < 0.3 {
				t.Errorf("image %d: mean intensity %.2f inside box %v, want the shape (≈ 0.5–1)", i, in/float64(px), b)
			}
		}
		if len(boxes) < 1 || len(boxes) > maxObj {
			t.Fatalf("image %d has %d objects", i, len(boxes))
		}
		counts[len(boxes)]++
	}
	if len(counts) < 3 {
		t.Errorf("object counts %v: want a spread of 1–4", counts)
	}
	again, _ := data.DetectionImages(n, size, grid, maxObj, 0.1, 3)
	if !slices.Equal(again.X, d.X) || !slices.Equal(again.Y, d.Y) {
		t.Error("the same seed gave other images")
	}
}

// TestNearestMinimum: each of Himmelblau's four minima is its own nearest,
// a point beside one finds it at the right distance, and a function
// without minima finds none.
func TestNearestMinimum(t *testing.T) {
	f := data.Functions2D()["himmelblau"]
	for i, m := range f.Minima {
		if k, d := f.NearestMinimum(m[0], m[1]); k != i || d != 0 {
			t.Errorf("minimum %d: nearest %d at %g", i, k, d)
		}
		if k, d := f.NearestMinimum(m[0]+0.3, m[1]-0.4); k != i || math.Abs(d-0.5) > 1e-12 {
			t.Errorf("beside minimum %d: nearest %d at %g, want %d at 0.5", i, k, d, i)
		}
	}
	if k, d := (data.Function2D{}).NearestMinimum(0, 0); k != -1 || !math.IsInf(d, 1) {
		t.Errorf("no minima: %d, %g", k, d)
	}
}

// The listing covers every registered data set, and every key it prints
// carries its description in its doc tag (so the listing cannot go stale
// beside the types).
func TestSourcesListEveryKey(t *testing.T) {
	listed := map[string]bool{}
	for _, s := range data.Sources {
		listed[s.Name] = true
		for _, p := range s.Params {
			if strings.HasSuffix(p, ": ") {
				t.Errorf("%s: key %q has no doc tag", s.Name, p)
			}
		}
	}
	for _, n := range data.Names() {
		if !listed[n] {
			t.Errorf("data set %s is registered but not in Sources", n)
		}
	}
	sl := data.Sources[1]
	if sl.Name != "synthetic-linear" || !strings.Contains(strings.Join(sl.Params, "\n"), "aligned=false: ") {
		t.Errorf("synthetic-linear's listing lacks aligned: %v", sl.Params)
	}
}
