//! The dashboard and the navigation each role gets.

mod navigation;
