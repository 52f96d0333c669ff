package memtrim

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStatusKB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	status := "Name:\towtray\nVmHWM:\t  187836 kB\nVmRSS:\t  90124 kB\nVmSwap:\tlots kB\n"
	if err := os.WriteFile(path, []byte(status), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, field string
		want        int
		wantErr     bool
	}{
		{path, "VmHWM:", 187836, false},
		{path, "VmRSS:", 90124, false},
		{path, "VmData:", 0, true},             // not in the file
		{path, "VmSwap:", 0, true},             // not a number
		{path + ".missing", "VmRSS:", 0, true}, // no such file
	}
	for _, tt := range tests {
		got, err := StatusKB(tt.path, tt.field)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("StatusKB(%s, %s) = %d, %v; want %d, error %v", filepath.Base(tt.path), tt.field, got, err, tt.want, tt.wantErr)
		}
	}
}
