#!/usr/bin/env node
import { cli } from '../dist/drc.js';

await cli();
