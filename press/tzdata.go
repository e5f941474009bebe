package press

// Publication times are entered in Vietnam's time zone; embedding the zone
// database makes Location work on machines (and containers) without one.
import _ "time/tzdata"
