package projections

// Test hooks of the rebuild's decoder.
var (
	DecodeCustomerCreatedForTest = decodeCustomerCreated
	FastCustomerCreatedForTest   = fastCustomerCreated
	SchemaVersionOfForTest       = schemaVersionOf
)

const FastCustomerCreatedVersionForTest = fastCustomerCreatedVersion
