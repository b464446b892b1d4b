"""Service orders (服务工单): rescue and roadside help, replacement cars and designated drivers,
dispatched to provider units in the 15-minute circle, tracked live, priced by rate cards."""
