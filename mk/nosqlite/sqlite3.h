#error "only analyzer/load/ reads the database: include analyzer/load/*.h and call its functions, never sqlite3.h (see analyzer/analyzer.mk)"
