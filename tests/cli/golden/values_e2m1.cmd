values e2m1
