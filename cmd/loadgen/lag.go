package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// probeLag measures, until ctx ends, the time from a 201 to the
// customer showing in GET /customers. Each sample creates its customer
// under a new organization of its own, so each poll is the list of one
// organization holding at most that one customer: the probe's reads stay
// as cheap at the end of a run as at its start (a search over one growing
// organization made the probe's polls a fifth of the service's CPU by the
// end of a 30 s run). It polls every two milliseconds (the lag's
// resolution); its creates travel the same pipeline as the load.
func (l *loader) probeLag(ctx context.Context, rec *recorder) {
	for n := 0; ctx.Err() == nil; n++ {
		tok, err := auth.Mint(l.cfg.Secret, auth.MintClaims{
			UserID: "loadgen-probe", OrganizationID: fmt.Sprintf("loadgen-%s-probe-%d", l.runID, n), OrgRole: "Reseller",
			Permissions: auth.DefaultPermissions("reseller"), TTL: 2 * time.Hour,
		}, time.Now())
		if err != nil {
			return
		}
		_, body := l.body()
		status, err := l.post(ctx, tok, body)
		if err != nil || status != http.StatusCreated {
			// A failing service answers at once; spinning here would take
			// CPU from it on a shared machine.
			sleep(ctx, 20*time.Millisecond)
			continue
		}
		acked := time.Now()
		if l.waitListed(ctx, tok) {
			rec.lag(time.Since(acked))
		}
		sleep(ctx, 20*time.Millisecond)
	}
}

func (l *loader) waitListed(ctx context.Context, tok string) bool {
	u := l.cfg.URL + "/customers?page_size=1"
	for ctx.Err() == nil {
		found, err := l.listed(ctx, u, tok)
		if err == nil && found {
			return true
		}
		sleep(ctx, 2*time.Millisecond)
	}
	return false
}

func (l *loader) listed(ctx context.Context, u, tok string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := l.client.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			Pagination struct {
				TotalCount int `json:"total_count"`
			} `json:"pagination"`
		} `json:"data"`
	}
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("list: %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return false, err
	}
	return body.Data.Pagination.TotalCount > 0, nil
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
