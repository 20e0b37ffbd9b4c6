package data

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Textbook is the five-point example of many introductions to gradient
// descent: x = 1..5, y = 2x, all of it training data.
type Textbook struct{}

// SyntheticLinear is least squares whose training features have XᵀX/n with
// eigenvalues geometric in [1, κ] exactly (see Load).
type SyntheticLinear struct {
	// N is the number of examples before the holdout, ≥ 2. Default 1000.
	N int `spec:"n" default:"1000" doc:"examples before the holdout, ≥ 2"`
	// D is the number of features, ≥ 1. Default 20.
	D int `spec:"d" default:"20" doc:"features, ≥ 1"`
	// Kappa is the condition number κ of XᵀX/n, ≥ 1. Default 100.
	Kappa float64 `spec:"kappa" default:"100" doc:"condition number κ of XᵀX/n, ≥ 1"`
	// Noise is the target noise's standard deviation, ≥ 0. Default 0.1
	// (spec.Zero for noiseless targets).
	Noise float64 `spec:"noise" default:"0.1" doc:"target noise std, ≥ 0"`
	// Seed seeds the generator, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"generator seed, ≥ 1"`
	// Aligned puts the curvature on the coordinate axes (badly scaled,
	// uncorrelated features) instead of a random rotation. Default false.
	Aligned bool `spec:"aligned" doc:"curvature on the coordinate axes (badly scaled, uncorrelated features) instead of a random rotation"`
	Holdout
}

// Blobs is two Gaussian blobs with identity covariance (binary; convex with
// logistic regression).
type Blobs struct {
	// N is the number of examples, ≥ 4. Default 1000.
	N int `spec:"n" default:"1000" doc:"examples, ≥ 4"`
	// D is the number of features, ≥ 1. Default 2.
	D int `spec:"d" default:"2" doc:"features, ≥ 1"`
	// Sep is the distance between the two means. Default 2.
	Sep float64 `spec:"sep" default:"2" doc:"distance between the means"`
	// Seed seeds the generator, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"generator seed, ≥ 1"`
	Holdout
}

// Moons is two interleaved half circles (binary, non-linear).
type Moons struct {
	// N is the number of examples, ≥ 4. Default 1000.
	N int `spec:"n" default:"1000" doc:"examples, ≥ 4"`
	// Noise is the standard deviation of the Gaussian noise, ≥ 0.
	// Default 0.1 (spec.Zero for none).
	Noise float64 `spec:"noise" default:"0.1" doc:"Gaussian noise std, ≥ 0"`
	// Seed seeds the generator, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"generator seed, ≥ 1"`
	Holdout
}

// Spirals is two interleaved spirals (binary, non-convex for MLPs).
type Spirals struct {
	// N is the number of examples, ≥ 4. Default 1000.
	N int `spec:"n" default:"1000" doc:"examples, ≥ 4"`
	// Noise is the standard deviation of the Gaussian noise, ≥ 0.
	// Default 0.1 (spec.Zero for none).
	Noise float64 `spec:"noise" default:"0.1" doc:"Gaussian noise std, ≥ 0"`
	// Turns is the number of turns of each spiral, > 0. Default 1.5.
	Turns float64 `spec:"turns" default:"1.5" doc:"turns of each spiral, > 0"`
	// Seed seeds the generator, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"generator seed, ≥ 1"`
	Holdout
}

// Localization is toy object localization: one square or disc per image,
// the target its bounding box (IoU metric).
type Localization struct {
	// N is the number of images, ≥ 1. Default 2000.
	N int `spec:"n" default:"2000" doc:"images, ≥ 1"`
	// Size is the image side in pixels, ≥ 8. Default 16.
	Size int `spec:"size" default:"16" doc:"image side in pixels, ≥ 8"`
	// Noise is the background noise's standard deviation, ≥ 0. Default 0.1
	// (spec.Zero for none).
	Noise float64 `spec:"noise" default:"0.1" doc:"background noise std, ≥ 0"`
	// Seed seeds the generator, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"generator seed, ≥ 1"`
	Holdout
}

// FashionMNIST is Zalando's 28×28 clothing images, 10 classes, with the
// standard 60k/10k split.
type FashionMNIST struct {
	// Dir holds the four IDX files (gzipped or not). Default
	// $BGDLAB_FASHION_MNIST, else FashionMNISTDefaultDir.
	Dir string `spec:"dir" doc:"directory of the four IDX files (empty: $BGDLAB_FASHION_MNIST, else /usr/share/datasets/fashion-mnist)"`
	// Subset keeps a stratified, seeded subset of the 60 000 training images
	// (before the validation split). Default 0: all.
	Subset int `spec:"subset" doc:"stratified training subset (0 = all 60 000)"`
	// TestSubset likewise for the 10 000 test images. Default 0: all.
	TestSubset int `spec:"test_subset" doc:"stratified test subset (0 = all 10 000)"`
	// Val training images (stratified) become the validation set. Default
	// 5000 (spec.ZeroInt for none).
	Val int `spec:"val" default:"5000" doc:"validation images taken from train (stratified)"`
	// Standardize applies per-pixel standardization fitted on train;
	// otherwise pixels are scaled to [0, 1]. Default false.
	Standardize bool `spec:"standardize" doc:"per-pixel standardization fitted on train (else pixels in [0, 1])"`
	// Seed seeds the subsets and the split, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"seed of the subsets and the split, ≥ 1"`
}

// CSV is a numeric CSV file, one example per line.
type CSV struct {
	// Path is the file (required).
	Path string `spec:"path" doc:"the file (required)"`
	// Target is the target column: a header name or a 0-based index.
	// Default: the last column.
	Target string `spec:"target" doc:"target column name or 0-based index (empty: the last column)"`
	// Header is auto (a first row with any non-numeric field is a header),
	// true or false. Default auto.
	Header string `spec:"header" default:"auto" doc:"auto, true or false (auto: a first row with a non-numeric field is a header)"`
	// Task is regression or classification. Default regression.
	Task Task `spec:"task" default:"regression" doc:"regression or classification"`
	// NoStandardize keeps the features as read; by default they are
	// standardized with the training split's mean and deviation.
	NoStandardize bool `spec:"standardize,negated" doc:"standardize features with the training split's mean and deviation"`
	// Seed seeds the split, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"split seed, ≥ 1"`
	Holdout
}

// Name returns the registered name.
func (Textbook) Name() string        { return "textbook" }
func (SyntheticLinear) Name() string { return "synthetic-linear" }
func (Blobs) Name() string           { return "blobs" }
func (Moons) Name() string           { return "moons" }
func (Spirals) Name() string         { return "spirals" }
func (Localization) Name() string    { return "localization" }
func (FashionMNIST) Name() string    { return "fashion-mnist" }
func (CSV) Name() string             { return "csv" }

// String formats the configuration as a spec.
func (c Textbook) String() string        { return spec.Encode(c.Name(), c) }
func (c SyntheticLinear) String() string { return spec.Encode(c.Name(), c) }
func (c Blobs) String() string           { return spec.Encode(c.Name(), c) }
func (c Moons) String() string           { return spec.Encode(c.Name(), c) }
func (c Spirals) String() string         { return spec.Encode(c.Name(), c) }
func (c Localization) String() string    { return spec.Encode(c.Name(), c) }
func (c FashionMNIST) String() string    { return spec.Encode(c.Name(), c) }
func (c CSV) String() string             { return spec.Encode(c.Name(), c) }

// Validate checks the fields (Textbook has none).
func (Textbook) Validate() error { return nil }

// Validate checks the fields.
func (c SyntheticLinear) Validate() error {
	c = resolved(c).(SyntheticLinear)
	if !(c.Kappa >= 1) {
		return fmt.Errorf("dataset synthetic-linear: kappa=%v must be ≥ 1 (field SyntheticLinear.Kappa)", c.Kappa)
	}
	if !(c.Noise >= 0) {
		return fmt.Errorf("dataset synthetic-linear: noise=%v must be ≥ 0 (field SyntheticLinear.Noise)", c.Noise)
	}
	return firstErr(atLeast(c.Name(), "n", "SyntheticLinear.N", c.N, 2), atLeast(c.Name(), "d", "SyntheticLinear.D", c.D, 1), c.Holdout.validate(c.Name()))
}

// Validate checks the fields.
func (c Blobs) Validate() error {
	c = resolved(c).(Blobs)
	return firstErr(atLeast(c.Name(), "n", "Blobs.N", c.N, 4), atLeast(c.Name(), "d", "Blobs.D", c.D, 1), c.Holdout.validate(c.Name()))
}

// Validate checks the fields.
func (c Moons) Validate() error {
	c = resolved(c).(Moons)
	return firstErr(atLeast(c.Name(), "n", "Moons.N", c.N, 4), noiseOK(c.Name(), "Moons", c.Noise), c.Holdout.validate(c.Name()))
}

// Validate checks the fields.
func (c Spirals) Validate() error {
	c = resolved(c).(Spirals)
	if !(c.Turns > 0) {
		return fmt.Errorf("dataset spirals: turns=%v must be > 0 (field Spirals.Turns)", c.Turns)
	}
	return firstErr(atLeast(c.Name(), "n", "Spirals.N", c.N, 4), noiseOK(c.Name(), "Spirals", c.Noise), c.Holdout.validate(c.Name()))
}

// Validate checks the fields.
func (c Localization) Validate() error {
	c = resolved(c).(Localization)
	return firstErr(atLeast(c.Name(), "n", "Localization.N", c.N, 1), atLeast(c.Name(), "size", "Localization.Size", c.Size, 8),
		noiseOK(c.Name(), "Localization", c.Noise), c.Holdout.validate(c.Name()))
}

// Validate checks the fields.
func (c FashionMNIST) Validate() error {
	return firstErr(atLeast(c.Name(), "subset", "FashionMNIST.Subset", c.Subset, 0),
		atLeast(c.Name(), "test_subset", "FashionMNIST.TestSubset", c.TestSubset, 0), atLeast(c.Name(), "val", "FashionMNIST.Val", c.Val, 0))
}

// Validate checks the fields.
func (c CSV) Validate() error {
	c = resolved(c).(CSV)
	if c.Path == "" {
		return fmt.Errorf("dataset csv: path=FILE is required, e.g. csv:path=train.csv,target=y (field CSV.Path)")
	}
	if c.Task != Regression && c.Task != Classification {
		return fmt.Errorf("dataset csv: task=%q must be regression or classification (field CSV.Task)", c.Task)
	}
	switch c.Header {
	case "auto", "true", "false":
	default:
		return fmt.Errorf("dataset csv: header=%q must be auto, true or false (field CSV.Header)", c.Header)
	}
	return c.Holdout.validate(c.Name())
}

func noiseOK(name, typ string, noise float64) error {
	if !(noise >= 0) {
		return fmt.Errorf("dataset %s: noise=%v must be ≥ 0 (field %s.Noise)", name, noise, typ)
	}
	return nil
}

// Load returns the five points as the training split.
func (c Textbook) Load() (Splits, error) {
	x, y := TextbookPoints()
	d := &Dataset{Name: "textbook", Task: Regression, N: len(x), D: 1, X: x, Shape: []int{1}, Y: y, T: 1}
	return finish(c, Splits{Train: d}, nil)
}

// Load generates the data: y = Xw* + b* + noise·ε with XᵀX/n of eigenvalues
// geometric in [1, κ] exactly; Info holds L, μ, w* and b*.
func (c SyntheticLinear) Load() (Splits, error) {
	if err := c.Validate(); err != nil {
		return Splits{}, err
	}
	r := resolved(c).(SyntheticLinear)
	out, err := r.generate()
	return finish(c, out, err)
}

// classification generates kind and splits it with holdout h.
func classification(c Config, cfg ClassificationConfig, h Holdout) (Splits, error) {
	if err := c.Validate(); err != nil {
		return Splits{}, err
	}
	d, err := Synthetic(c.Name(), cfg)
	if err != nil {
		return Splits{}, err
	}
	out, err := Split(d, h.Val+0, h.Test+0, cfg.Seed)
	return finish(c, out, err)
}

// Load generates the blobs and splits them.
func (c Blobs) Load() (Splits, error) {
	r := resolved(c).(Blobs)
	return classification(c, ClassificationConfig{N: r.N, D: r.D, Sep: r.Sep, Seed: r.Seed}, r.Holdout)
}

// Load generates the moons and splits them.
func (c Moons) Load() (Splits, error) {
	r := resolved(c).(Moons)
	return classification(c, ClassificationConfig{N: r.N, Noise: r.Noise + 0, Seed: r.Seed}, r.Holdout)
}

// Load generates the spirals and splits them.
func (c Spirals) Load() (Splits, error) {
	r := resolved(c).(Spirals)
	return classification(c, ClassificationConfig{N: r.N, Noise: r.Noise + 0, Turns: r.Turns, Seed: r.Seed}, r.Holdout)
}

// Load draws the images and splits them.
func (c Localization) Load() (Splits, error) {
	if err := c.Validate(); err != nil {
		return Splits{}, err
	}
	r := resolved(c).(Localization)
	d, err := LocalizationImages(r.N, r.Size, r.Noise+0, r.Seed)
	if err != nil {
		return Splits{}, err
	}
	out, err := Split(d, r.Val+0, r.Test+0, r.Seed)
	return finish(c, out, err)
}

// Load reads the IDX files (see LoadFashionMNIST).
func (c FashionMNIST) Load() (Splits, error) {
	out, err := LoadFashionMNIST(c)
	return finish(c, out, err)
}

// Load reads the file, splits it and standardizes the features.
func (c CSV) Load() (Splits, error) {
	if err := c.Validate(); err != nil {
		return Splits{}, err
	}
	r := resolved(c).(CSV)
	d, err := loadCSV(r)
	if err != nil {
		return Splits{}, err
	}
	out, err := Split(d, r.Val+0, r.Test+0, r.Seed)
	if err == nil && !r.NoStandardize {
		out.Standardize()
	}
	return finish(c, out, err)
}
