#!/bin/sh
docker pull [fd00::5]:5000/team/app:1.0
docker tag [fd00::5]:5000/team/app:1.0 app:local
