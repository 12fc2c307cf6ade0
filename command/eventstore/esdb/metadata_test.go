package esdb

import (
	"errors"
	"testing"
)

func TestMetadataStoredAndBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		meta   string
		stored string
	}{
		{"Both", `{"schema_version":1,"correlation_id":"c","causation_id":"k"}`,
			`{"schema_version":1,"correlation_id":"c","causation_id":"k","$correlationId":"c","$causationId":"k"}`},
		{"CorrelationOnly", `{"correlation_id":"c"}`, `{"correlation_id":"c","$correlationId":"c"}`},
		{"CausationOnly", `{"causation_id":"k"}`, `{"causation_id":"k","$causationId":"k"}`},
		{"Neither", `{"schema_version":1}`, `{"schema_version":1}`},
		{"EmptyIDs", `{"correlation_id":"","causation_id":""}`, `{"correlation_id":"","causation_id":""}`},
		{"Spaces", " {\n \"correlation_id\" : \"c\" \n} \n", " {\n \"correlation_id\" : \"c\" \n,\"$correlationId\":\"c\"} \n"},
		{"Escapes", `{"correlation_id":"a\"b<é>"}`, `{"correlation_id":"a\"b<é>","$correlationId":"a\"b\u003cé\u003e"}`},
		{"Nested", `{"x":{"correlation_id":"c"}}`, `{"x":{"correlation_id":"c"}}`},
		{"Empty", ``, ``},
		{"EmptyObject", `{}`, `{}`},
		{"NotAnObject", `["correlation_id"]`, `["correlation_id"]`},
		{"NotJSON", `{"correlation_id":"c"`, `{"correlation_id":"c"`},
		{"IDNotAString", `{"correlation_id":7}`, `{"correlation_id":7}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stored, err := toStored([]byte(tt.meta))
			if err != nil {
				t.Fatalf("toStored: %v", err)
			}
			if string(stored) != tt.stored {
				t.Errorf("stored %s, want %s", stored, tt.stored)
			}
			if back := fromStored(stored); string(back) != tt.meta {
				t.Errorf("read back %s, appended %s", back, tt.meta)
			}
		})
	}
}

func TestMetadataReservedKeys(t *testing.T) {
	t.Parallel()
	for _, meta := range []string{
		`{"$correlationId":"c"}`,
		`{"correlation_id":"c","$correlationId":"c"}`,
		`{"causation_id":"k","$causationId":"x"}`,
	} {
		if _, err := toStored([]byte(meta)); !errors.Is(err, errReservedMetadata) {
			t.Errorf("toStored(%s): %v, want errReservedMetadata", meta, err)
		}
	}
}

// TestMetadataFromOtherWriters reads metadata this package did not write.
func TestMetadataFromOtherWriters(t *testing.T) {
	t.Parallel()
	tests := []struct{ stored, want string }{
		// Keys that differ from the ones Append would add stay.
		{`{"correlation_id":"c","$correlationId":"other"}`, `{"correlation_id":"c","$correlationId":"other"}`},
		{`{"$correlationId":"c"}`, `{"$correlationId":"c"}`},
		// Keys exactly as Append adds them go.
		{`{"correlation_id":"c","$correlationId":"c"}`, `{"correlation_id":"c"}`},
	}
	for _, tt := range tests {
		if got := fromStored([]byte(tt.stored)); string(got) != tt.want {
			t.Errorf("fromStored(%s) = %s, want %s", tt.stored, got, tt.want)
		}
	}
}
