"""Official vehicles (公务用车监控, R-MON-3): GPS/BeiDou tracks checked against geofences.

`tracks` reads fixes (定位点) from CSV or JSON, measures WGS-84 distances and mileage, and leaves
implausible jumps out of the mileage. `geofences` reads permitted areas, special areas (景区、
娱乐场所等特殊区域) and registered parking places (停车备案点) from GeoJSON, each with optional
permitted hours. `rules` finds use outside permitted hours (超时), leaving the permitted area
(越界), entering a special area and parking at an unregistered place, each as one episode with a
start and an end once its condition has held for a dwell time; and sums mileage per vehicle and
per unit, per day and per month. Pure functions, no I/O.
"""
