package app_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestFullDiskAnswers503AndRecovers runs the service with DATA_DIR on a
// small file system and fills it: creates turn into 503 in the envelope
// (never a 201 for a customer that was not stored), /readyz names the event
// store, and once space comes back creates succeed again and every
// acknowledged customer reaches the lists.
func TestFullDiskAnswers503AndRecovers(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dataDir, "tmpfs", 0, "size=64m,mode=0700"); err != nil {
		t.Skipf("skipped: cannot mount a size-limited tmpfs here (needs Linux and root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dataDir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dataDir, err)
		}
	})
	svc := startService(t, dataDir)
	tok := token(t, "Reseller", "org-disk-full")
	var acked []string // IDs of every customer answered 201
	acked = append(acked, svc.create(t, tok, "Before the disk filled", uniqueVAT())["id"].(string))

	filler := filepath.Join(dataDir, "filler")
	fill(t, filler)

	// Writes that fit in space the files already hold may still succeed;
	// each 201 must then be a stored customer. The first 503 must come soon.
	var refused map[string]any
	var refusedVAT string
	for i := 0; refused == nil; i++ {
		if i == 5000 {
			t.Fatal("5,000 creates on a full disk and no 503")
		}
		vat := uniqueVAT()
		res := svc.do(t, "POST", "/customers", tok, map[string]any{"name": fmt.Sprintf("On a full disk %d", i), "custom_data": map[string]any{"vat": vat}})
		switch res.status {
		case http.StatusCreated:
			acked = append(acked, res.json(t)["data"].(map[string]any)["id"].(string))
		case http.StatusServiceUnavailable:
			refused, refusedVAT = res.json(t), vat
			if res.header.Get("Retry-After") == "" {
				t.Error("a 503 without Retry-After")
			}
		default:
			t.Fatalf("create on a full disk: %d %s", res.status, res.body)
		}
	}
	if refused["code"] != 503.0 || refused["message"] == "" || refused["data"] == nil {
		t.Errorf("503 not in the envelope: %v", refused)
	}
	// Other writers give space back now and then (a checkpoint truncating
	// a log), and the store's probe then rightly finds it writable. So keep
	// the disk full and ask until a failed write shows in /readyz.
	eventually(t, 30*time.Second, func() error {
		topUp(t, filler)
		res := svc.do(t, "POST", "/customers", tok, map[string]any{"name": "While the disk is full", "custom_data": map[string]any{"vat": uniqueVAT()}})
		switch res.status {
		case http.StatusCreated:
			acked = append(acked, res.json(t)["data"].(map[string]any)["id"].(string))
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("create on a full disk: %d %s", res.status, res.body)
		}
		res = svc.do(t, "GET", "/readyz", "", nil)
		down, _ := res.json(t)["data"].(map[string]any)["down"].([]any)
		if res.status != http.StatusServiceUnavailable || !slices.Contains(down, any("event_store")) {
			return fmt.Errorf("readyz on a full disk: %d %s", res.status, res.body)
		}
		return nil
	})

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// Readiness comes back without a create to find out.
	eventually(t, 30*time.Second, func() error {
		if res := svc.do(t, "GET", "/readyz", "", nil); res.status != http.StatusOK {
			return fmt.Errorf("readyz after space came back: %d %s", res.status, res.body)
		}
		return nil
	})
	// The refused create stored nothing: its VAT is free.
	res := svc.do(t, "POST", "/customers", tok, map[string]any{"name": "After the disk filled", "custom_data": map[string]any{"vat": refusedVAT}})
	if res.status != http.StatusCreated {
		t.Fatalf("the refused create's VAT after recovery: %d %s", res.status, res.body)
	}
	acked = append(acked, res.json(t)["data"].(map[string]any)["id"].(string))

	for _, id := range acked {
		if res := svc.do(t, "GET", "/customers/"+id, tok, nil); res.status != http.StatusOK {
			t.Errorf("acknowledged customer %s: %d %s", id, res.status, res.body)
		}
	}
	eventually(t, 60*time.Second, func() error {
		if _, p := listOf(t, svc, tok, "?page_size=1"); p["total_count"] != float64(len(acked)) {
			return fmt.Errorf("the list holds %v of the %d acknowledged customers", p["total_count"], len(acked))
		}
		return nil
	})
	t.Logf("%d customers acknowledged, %d of them on the full disk", len(acked), len(acked)-2)
}

// topUp writes to the end of path until the file system is full again.
func topUp(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// fill writes path until the file system is full, then gives half a
// megabyte back: the creates fill that, so that the relay and the
// projector meet the full disk too.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	if err := f.Truncate(size - 512<<10); err != nil {
		t.Fatal(err)
	}
}
