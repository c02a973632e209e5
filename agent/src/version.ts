/** The agent's own version, reported in hello; replaced by the build for releases. */
export const AGENT_VERSION = '0.1.0';
