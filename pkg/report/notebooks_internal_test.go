package report

import (
	"reflect"
	"testing"
)

func TestStudyNotebooks(t *testing.T) {
	paths := []string{"nb/01_bgd_from_scratch.ipynb", "nb/02_convergence_theory.ipynb", "nb/03_batch_size.ipynb",
		"nb/04_momentum_and_acceleration.ipynb", "nb/11_backends_and_performance.ipynb", "nb/x01_other.ipynb"}
	want := paths[:3]
	if got := studyNotebooks(paths); !reflect.DeepEqual(got, want) {
		t.Errorf("studyNotebooks = %v, want %v", got, want)
	}
}
