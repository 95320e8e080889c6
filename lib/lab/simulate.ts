/**
 * The simulator wired to the embedded IoT platform: when a run is given no
 * broker, it starts the embedded platform on a free port (with the run's
 * registry) and stops it at the end. The simulator itself knows no platform;
 * this layer, above both, joins them.
 */
import { startPlatform } from "../platform/platform";
import { Simulation, type SimulationOptions, type SimulationSummary, type StartSimulationPlatform } from "../simulator/simulation";

/** Starts the embedded platform for a run that was given no broker. */
export const startEmbeddedPlatform: StartSimulationPlatform = (options) => startPlatform({ ...options, tlsPort: 0, wsPort: 0, wssPort: 0 });

/** Starts a simulation (events flow at once); without a broker, against a fresh embedded platform. */
export function simulate(options: SimulationOptions = {}): Simulation {
  return new Simulation({ startPlatform: startEmbeddedPlatform, ...options });
}

/** Runs a simulation to its end: the summary, or a rejection with a clear message. */
export function runSimulation(options: SimulationOptions = {}): Promise<SimulationSummary> {
  return simulate(options).done;
}
