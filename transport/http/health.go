package http

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
)

type healthAPI struct {
	checks map[string]func(context.Context) error
}

// live says the process serves HTTP; it checks nothing else, so that an
// orchestrator does not restart the service for a broker outage.
func (h healthAPI) live(c *gin.Context) {
	respond(c, http.StatusOK, "alive", emptyData)
}

// ready checks each part and names the ones that are down.
func (h healthAPI) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	names := make([]string, 0, len(h.checks))
	for name := range h.checks {
		names = append(names, name)
	}
	sort.Strings(names)
	status := map[string]string{}
	var down []string
	for _, name := range names {
		if err := h.checks[name](ctx); err != nil {
			status[name] = "down: " + err.Error()
			down = append(down, name)
			continue
		}
		status[name] = "up"
	}
	data := gin.H{"checks": status, "down": down}
	if len(down) > 0 {
		respond(c, http.StatusServiceUnavailable, "not ready", data)
		return
	}
	data["down"] = []string{}
	respond(c, http.StatusOK, "ready", data)
}
