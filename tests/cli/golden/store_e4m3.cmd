store -431.99999999999994 464 465 1e-9 --formats e4m3,e5m2,e4m3fnuz,e2m1 --rounding rne
