package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLocation(t *testing.T) {
	tests := []struct {
		name, goos string
		env        map[string]string
		want       string
		wantErr    bool
	}{
		{"xdg config home", "linux", map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"}, "/cfg/autostart/owtray.desktop", false},
		{"default ~/.config", "linux", map[string]string{"HOME": "/home/u"}, "/home/u/.config/autostart/owtray.desktop", false},
		{"relative XDG_CONFIG_HOME is ignored", "freebsd", map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "cfg"}, "/home/u/.config/autostart/owtray.desktop", false},
		{"launch agent", "darwin", map[string]string{"HOME": "/Users/u", "XDG_CONFIG_HOME": "/cfg"}, "/Users/u/Library/LaunchAgents/io.github.owtray.owtray.plist", false},
		{"no home", "linux", map[string]string{}, "", true},
		{"no home on macOS", "darwin", map[string]string{"XDG_CONFIG_HOME": "/cfg"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(Options{Executable: "/opt/owtray/owtray", LookupEnv: env(tt.env), GOOS: tt.goos})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New = %v, want an error", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st, err := a.Status()
			if err != nil {
				t.Fatal(err)
			}
			if st.Location != tt.want || st.Enabled {
				t.Errorf("Status = %+v, want disabled at %s", st, tt.want)
			}
		})
	}
}

func TestRelativeExecutableRefused(t *testing.T) {
	if _, err := New(Options{Executable: "bin/owtray", LookupEnv: env(map[string]string{"HOME": "/h"}), GOOS: "linux"}); err == nil {
		t.Fatal("a relative executable was accepted")
	}
}

// TestOnStatusOff writes, reads back and removes the real files in a
// temporary home, for the XDG entry and the LaunchAgent.
func TestOnStatusOff(t *testing.T) {
	tests := []struct {
		goos, exe   string
		wantCommand string
		wantInFile  []string
	}{
		{"linux", "/opt/owtray/owtray", "/opt/owtray/owtray --hidden",
			[]string{"[Desktop Entry]\n", "\nType=Application\n", "\nExec=/opt/owtray/owtray --hidden\n", "\nName=owtray\n"}},
		{"linux", "/home/u/My Apps/owtray", `"/home/u/My Apps/owtray" --hidden`,
			[]string{"\nExec=\"/home/u/My Apps/owtray\" --hidden\n"}},
		{"darwin", "/Applications/owtray.app/Contents/MacOS/owtray", "/Applications/owtray.app/Contents/MacOS/owtray --hidden",
			[]string{"<key>RunAtLoad</key>\n\t<true/>", "<string>/Applications/owtray.app/Contents/MacOS/owtray</string>\n\t\t<string>--hidden</string>", "<string>io.github.owtray.owtray</string>"}},
		{"darwin", "/Users/u/A & <B>/owtray", `"/Users/u/A & <B>/owtray" --hidden`,
			[]string{"<string>/Users/u/A &amp; &lt;B&gt;/owtray</string>"}},
	}
	for _, tt := range tests {
		t.Run(tt.goos+" "+tt.exe, func(t *testing.T) {
			home := t.TempDir()
			cfg := filepath.Join(t.TempDir(), "config")
			a, err := New(Options{Executable: tt.exe, LookupEnv: env(map[string]string{"HOME": home, "XDG_CONFIG_HOME": cfg}), GOOS: tt.goos})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Disable(); err != nil { // nothing to remove yet
				t.Fatalf("Disable without an entry: %v", err)
			}
			for range 2 { // enabling twice replaces the entry
				if err := a.Enable(); err != nil {
					t.Fatal(err)
				}
			}
			st, err := a.Status()
			if err != nil {
				t.Fatal(err)
			}
			if !st.Enabled || st.Command != tt.wantCommand {
				t.Fatalf("Status = %+v, want enabled running %q", st, tt.wantCommand)
			}
			b, err := os.ReadFile(st.Location)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wantInFile {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %q:\n%s", st.Location, w, b)
				}
			}
			if fi, err := os.Stat(st.Location); err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("mode = %v %v, want 0644", fi.Mode(), err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(st.Location)); len(entries) != 1 {
				t.Errorf("the directory holds %d files, want only the entry", len(entries))
			}
			if tt.goos == "linux" {
				validateDesktopFile(t, st.Location)
			}
			if err := a.Disable(); err != nil {
				t.Fatal(err)
			}
			if st, err := a.Status(); err != nil || st.Enabled {
				t.Fatalf("after Disable: %+v %v", st, err)
			}
			if _, err := os.Stat(st.Location); !os.IsNotExist(err) {
				t.Errorf("the entry is still there: %v", err)
			}
		})
	}
}

// validateDesktopFile runs desktop-file-validate (desktop-file-utils) when
// installed; make test installs it and sets OWTRAY_REQUIRE_DESKTOP=1.
func validateDesktopFile(t *testing.T, path string) {
	t.Helper()
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		if os.Getenv("OWTRAY_REQUIRE_DESKTOP") == "1" {
			t.Fatal("desktop-file-validate is not installed (desktop-file-utils)")
		}
		t.Log("desktop-file-validate not installed: entry not validated")
		return
	}
	if out, err := exec.Command(tool, path).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", path, err, out)
	}
}

func TestDesktopExec(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/usr/bin/owtray", "--hidden"}, "/usr/bin/owtray --hidden"},
		{[]string{"/a b/owtray"}, `"/a b/owtray"`},
		{[]string{`/a"b/$x`}, `"/a\\"b/\\$x"`},
		{[]string{`/a\b`}, `"/a\\\\b"`},
		{[]string{"/100%/owtray"}, "/100%%/owtray"},
	}
	for _, tt := range tests {
		if got := desktopExec(tt.args...); got != tt.want {
			t.Errorf("desktopExec(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestEntryEnabled(t *testing.T) {
	tests := []struct {
		name, content string
		want          bool
	}{
		{"ours", string(desktopEntry("/x/owtray")), true},
		{"hidden by the user", string(desktopEntry("/x/owtray")) + "Hidden=true\n", false},
		{"switched off in GNOME", "[Desktop Entry]\nExec=/x/owtray\nX-GNOME-Autostart-enabled=false\n", false},
		{"no Exec", "[Desktop Entry]\nName=owtray\n", false},
		{"Exec in another group", "[Desktop Action x]\nExec=/x/owtray\n", false},
	}
	for _, tt := range tests {
		if _, got := desktopEntryCommand([]byte(tt.content)); got != tt.want {
			t.Errorf("%s: enabled = %v, want %v", tt.name, got, tt.want)
		}
	}
	plists := []struct {
		name, content string
		want          bool
	}{
		{"ours", string(launchAgent("/x/owtray")), true},
		{"disabled", strings.Replace(string(launchAgent("/x/owtray")), "<key>RunAtLoad</key>", "<key>Disabled</key><true/><key>RunAtLoad</key>", 1), false},
		{"not XML", "{}", false},
	}
	for _, tt := range plists {
		if _, got := launchAgentCommand([]byte(tt.content)); got != tt.want {
			t.Errorf("plist %s: enabled = %v, want %v", tt.name, got, tt.want)
		}
	}
}
