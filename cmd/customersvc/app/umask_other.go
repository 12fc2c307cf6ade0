//go:build !unix

package app

// restrictUmask does nothing where there is no umask.
func restrictUmask() {}
