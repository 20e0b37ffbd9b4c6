package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/bgdlab/bgdlab/internal/inputfile"
	"github.com/bgdlab/bgdlab/pkg/spec"
)

// FashionMNISTEnv overrides the default Fashion-MNIST directory.
const FashionMNISTEnv = "BGDLAB_FASHION_MNIST"

// FashionMNISTDefaultDir is where Debian's dataset-fashion-mnist package puts
// the IDX files.
const FashionMNISTDefaultDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTDir is the folder Fashion-MNIST is read from when no dir is
// given: $BGDLAB_FASHION_MNIST, else FashionMNISTDefaultDir.
func FashionMNISTDir() string {
	if dir := os.Getenv(FashionMNISTEnv); dir != "" {
		return dir
	}
	return FashionMNISTDefaultDir
}

// FashionClassNames are the ten Fashion-MNIST classes in label order.
var FashionClassNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

const installHint = "install the data with 'apt-get install dataset-fashion-mnist' or point fashion-mnist:dir=PATH (or $" + FashionMNISTEnv + ") at a folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]"

// LoadFashionMNIST reads the standard 60k/10k split as c configures it
// (zero fields take their defaults).
func LoadFashionMNIST(c FashionMNIST) (Splits, error) {
	if err := c.Validate(); err != nil {
		return Splits{}, err
	}
	c = resolved(c).(FashionMNIST)
	if c.Val == spec.ZeroInt {
		c.Val = 0
	}
	dir := c.Dir
	if dir == "" {
		dir = FashionMNISTDir()
	}
	train, err := readIDXPair(dir, "train")
	if err != nil {
		return Splits{}, err
	}
	test, err := readIDXPair(dir, "t10k")
	if err != nil {
		return Splits{}, err
	}
	if !slices.Equal(train.Shape, test.Shape) {
		return Splits{}, fmt.Errorf("fashion-mnist in %s: the test images are %d×%d but the training images %d×%d: the files are of two datasets (reinstall with 'apt-get install --reinstall dataset-fashion-mnist')", dir, test.Shape[0], test.Shape[1], train.Shape[0], train.Shape[1])
	}
	if c.Subset < 0 || c.TestSubset < 0 || c.Val < 0 {
		return Splits{}, fmt.Errorf("fashion-mnist: subset, test_subset and val must be ≥ 0")
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0xfa5))
	if c.Subset > 0 {
		if c.Subset > train.N {
			return Splits{}, fmt.Errorf("fashion-mnist: subset=%d is larger than the %d training images", c.Subset, train.N)
		}
		train = train.Subset(Stratified(train.Labels, train.Classes, c.Subset, rng))
	}
	if c.TestSubset > 0 {
		if c.TestSubset > test.N {
			return Splits{}, fmt.Errorf("fashion-mnist: test_subset=%d is larger than the %d test images", c.TestSubset, test.N)
		}
		test = test.Subset(Stratified(test.Labels, test.Classes, c.TestSubset, rng))
	}
	s := Splits{Train: train, Test: test}
	if c.Val > 0 {
		if c.Val >= train.N {
			return Splits{}, fmt.Errorf("fashion-mnist: val=%d leaves no training images (train has %d)", c.Val, train.N)
		}
		valIdx := Stratified(train.Labels, train.Classes, c.Val, rng)
		in := make([]bool, train.N)
		for _, i := range valIdx {
			in[i] = true
		}
		var rest []int
		for i := 0; i < train.N; i++ {
			if !in[i] {
				rest = append(rest, i)
			}
		}
		s.Val, s.Train = train.Subset(valIdx), train.Subset(rest)
	}
	if c.Standardize {
		s.Standardize()
	}
	return s, nil
}

// Stratified returns k indices (sorted) drawn without replacement so that each
// class keeps its share of labels (largest-remainder rounding).
func Stratified(labels []int, classes, k int, rng *rand.Rand) []int {
	byClass := make([][]int, classes)
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	n := len(labels)
	quota := make([]int, classes)
	type rem struct {
		c int
		r float64
	}
	var rems []rem
	total := 0
	for c := range byClass {
		exact := float64(k) * float64(len(byClass[c])) / float64(n)
		quota[c] = int(exact)
		total += quota[c]
		rems = append(rems, rem{c, exact - float64(quota[c])})
	}
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].r > rems[j].r })
	for i := 0; total < k && i < len(rems); i++ {
		if quota[rems[i].c] < len(byClass[rems[i].c]) {
			quota[rems[i].c]++
			total++
		}
	}
	var out []int
	for c, idx := range byClass {
		perm := rng.Perm(len(idx))
		for _, p := range perm[:quota[c]] {
			out = append(out, idx[p])
		}
	}
	sort.Ints(out)
	return out
}

// readIDXPair reads prefix-images-idx3-ubyte and prefix-labels-idx1-ubyte.
func readIDXPair(dir, prefix string) (*Dataset, error) {
	imgPath, err := findIDX(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	lblPath, err := findIDX(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	imgDims, pixels, err := ReadIDX(imgPath)
	if err != nil {
		return nil, err
	}
	lblDims, labels, err := ReadIDX(lblPath)
	if err != nil {
		return nil, err
	}
	if len(imgDims) != 3 {
		return nil, fmt.Errorf("%s: want 3 dimensions (images×rows×cols), got %v", imgPath, imgDims)
	}
	if len(lblDims) != 1 {
		return nil, fmt.Errorf("%s: want 1 dimension (labels), got %v", lblPath, lblDims)
	}
	if imgDims[0] != lblDims[0] {
		return nil, fmt.Errorf("fashion-mnist in %s: %d images in %s but %d labels in %s", dir, imgDims[0], filepath.Base(imgPath), lblDims[0], filepath.Base(lblPath))
	}
	n, h, w := imgDims[0], imgDims[1], imgDims[2]
	d := &Dataset{Name: "fashion-mnist", Task: Classification, N: n, D: h * w, Shape: []int{h, w, 1},
		X: make([]float64, n*h*w), Labels: make([]int, n), Classes: 10, ClassNames: FashionClassNames}
	for i, p := range pixels {
		d.X[i] = float64(p) / 255
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("%s: label %d of example %d is not a class 0..9", lblPath, l, i)
		}
		d.Labels[i] = int(l)
	}
	return d, nil
}

func findIDX(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("fashion-mnist: folder %s does not exist: %s", dir, installHint)
	}
	return "", fmt.Errorf("fashion-mnist: %s[.gz] is missing in %s: %s", base, dir, installHint)
}

// MaxIDXBytes bounds the IDX files ReadIDX opens (Fashion-MNIST's largest,
// the training images, is 47 MB uncompressed).
const MaxIDXBytes = 1 << 31

// ReadIDX reads an IDX file of unsigned bytes (magic 0x00000801 for 1-D,
// 0x00000803 for 3-D), gzipped or not, and returns its dimensions and data.
// Errors name the file and what is wrong: bad magic, truncation.
func ReadIDX(path string) ([]int, []byte, error) {
	f, err := inputfile.Open("IDX file", path, MaxIDXBytes)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	br := r.(*bufio.Reader)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: corrupt gzip header: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	var magic uint32
	if err := binary.Read(r, binary.BigEndian, &magic); err != nil {
		return nil, nil, fmt.Errorf("%s: truncated before the IDX magic number: %w", path, err)
	}
	if magic>>8 != 0x08 || magic&0xff == 0 || magic&0xff > 4 {
		return nil, nil, fmt.Errorf("%s: bad IDX magic 0x%08x (want 0x00000801 or 0x00000803 for unsigned-byte data): not an IDX file or corrupt", path, magic)
	}
	nd := int(magic & 0xff)
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		var v uint32
		if err := binary.Read(r, binary.BigEndian, &v); err != nil {
			return nil, nil, fmt.Errorf("%s: truncated in the header: %w", path, err)
		}
		dims[i] = int(v)
		// Checked before multiplying: four 32-bit dimensions overflow int.
		if dims[i] != 0 && total > (1<<31)/dims[i] {
			return nil, nil, fmt.Errorf("%s: header claims dimensions %v, over 2³¹ bytes: corrupt, or not Fashion-MNIST", path, dims[:i+1])
		}
		total *= dims[i]
	}
	// Read what is there rather than allocate what the header claims: memory
	// follows the file, not a corrupt header.
	data, err := io.ReadAll(io.LimitReader(r, int64(total)))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w (corrupt file?)", path, err)
	}
	if len(data) < total {
		return nil, nil, fmt.Errorf("%s: truncated: header promises %d bytes of data (%v), file has %d", path, total, dims, len(data))
	}
	// Read to the end: gzip verifies its CRC there, and bytes beyond what
	// the header promises mean a corrupt or foreign file.
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w (corrupt file: reinstall with 'apt-get install --reinstall dataset-fashion-mnist')", path, err)
	}
	if extra > 0 {
		return nil, nil, fmt.Errorf("%s: %d bytes after the %d the header promises (%v): corrupt file", path, extra, total, dims)
	}
	return dims, data, nil
}
