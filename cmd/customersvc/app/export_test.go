package app

// Kill stops the service as a crash would, for the tests of replicas: its
// NATS connections drop first, so it can neither release the relay lease
// nor acknowledge what it holds, and requests in flight lose their answer.
func (s *Service) Kill() {
	s.broker.pub.Close()
	s.broker.sub.Close()
	_ = s.server.Close()
	s.background()
	s.wg.Wait()
	_ = s.closeAll()
}
