//! Every MCP tool, one file per area; [`all`] is the table the server lists and calls.

pub mod actions;
pub mod alerts;
pub mod analysis;
pub mod backups;
pub mod containers;
pub mod devices;
pub mod history;
pub mod images;
pub mod notify;
pub mod storage;
pub mod system;

use super::registry::ToolDef;

/// Every tool, in the order they are listed.
pub fn all() -> Vec<ToolDef> {
    let mut tools = devices::tools();
    tools.extend(containers::tools());
    tools.extend(system::tools());
    tools.extend(storage::tools());
    tools.extend(backups::tools());
    tools.extend(images::tools());
    tools.extend(history::tools());
    tools.extend(analysis::tools());
    tools.extend(alerts::tools());
    tools.extend(actions::tools());
    tools.extend(notify::tools());
    tools
}
