"""Operations: the local production topology (make cluster) and its fault run (make chaos)."""
