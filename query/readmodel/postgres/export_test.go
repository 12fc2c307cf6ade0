package postgres

// Raced is how many batches ran again after another writer inserted one
// of their customers first.
func (s *Store) Raced() int64 { return s.raced.Load() }
