#!/bin/sh
docker pull registry.lab.example/team/app:1.0
docker tag registry.lab.example/team/app:1.0 app:local
