#!/bin/sh
# TODO placeholder
exit 77
