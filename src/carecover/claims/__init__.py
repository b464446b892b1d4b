"""Claims and repair (理赔与维修): first notice of loss with photos, photo intake checks, the shared
estimate, the small-claim fast track, the adjuster desk and repair progress."""
